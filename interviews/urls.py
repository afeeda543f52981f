from django.urls import path

from interviews import views

app_name = "interviews"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("request/new/", views.request_new, name="request_new"),
    path("request/<id:request_id>/edit/", views.request_edit, name="request_edit"),
    path("request/<id:request_id>/cancel/", views.request_cancel, name="request_cancel"),
    path("session/<id:session_id>/", views.session_detail, name="session"),
    path("session/<id:session_id>/cancel/", views.session_cancel, name="session_cancel"),
    path("session/<id:session_id>/reschedule/", views.session_reschedule,
         name="session_reschedule"),
    path("session/<id:session_id>/no-show/", views.session_no_show, name="session_no_show"),
    path("session/<id:session_id>/calendar.ics", views.session_calendar,
         name="session_calendar"),
    path("session/<id:session_id>/room/", views.room_page, name="room"),
    path("session/<id:session_id>/observers/", views.observer_invite, name="observer_invite"),
    path("round/<id:round_id>/transcript/", views.round_transcript, name="round_transcript"),
    path("round/<id:round_id>/transcript.txt", views.round_transcript_download,
         {"fmt": "txt"}, name="round_transcript_txt"),
    path("round/<id:round_id>/transcript.md", views.round_transcript_download,
         {"fmt": "md"}, name="round_transcript_md"),
    path("round/<id:round_id>/transcript/retry/", views.round_transcript_retry,
         name="round_transcript_retry"),
    path("round/<id:round_id>/audio/<id:take_id>/", views.round_take_audio,
         name="round_take_audio"),
    path("round/<id:round_id>/voice-share/", views.round_voice_share,
         name="round_voice_share"),
    path("round/<id:round_id>/swap/", views.round_swap, name="round_swap"),
    path("standby/", views.standby_update, name="standby"),
    path("standby/offer/<id:offer_id>/accept/", views.standby_offer_accept,
         name="standby_accept"),
    path("no-show/<id:report_id>/dispute/", views.no_show_dispute, name="no_show_dispute"),
]
