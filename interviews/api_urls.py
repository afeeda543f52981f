from django.urls import path

from interviews import api

urlpatterns = [
    path("mock-requests/", api.MockRequestListApi.as_view(), name="api-mock-requests"),
    path("mock-requests/<int:request_id>/", api.MockRequestDetailApi.as_view(),
         name="api-mock-request"),
    path("mock-requests/<int:request_id>/cancel/", api.MockRequestCancelApi.as_view(),
         name="api-mock-request-cancel"),
    path("sessions/", api.MockSessionListApi.as_view(), name="api-sessions"),
    path("sessions/<int:session_id>/", api.MockSessionDetailApi.as_view(), name="api-session"),
    path("sessions/<int:session_id>/cancel/", api.MockSessionCancelApi.as_view(),
         name="api-session-cancel"),
    path("sessions/<int:session_id>/reschedule/", api.MockSessionRescheduleApi.as_view(),
         name="api-session-reschedule"),
    path("sessions/<int:session_id>/no-show/", api.MockSessionNoShowApi.as_view(),
         name="api-session-no-show"),
    path("sessions/<int:session_id>/whiteboard/", api.WhiteboardApi.as_view(),
         name="api-session-whiteboard"),
    path("rounds/<int:round_id>/swap-question/", api.RoundSwapApi.as_view(),
         name="api-round-swap"),
    path("standby/", api.StandbyApi.as_view(), name="api-standby"),
    path("standby/offers/<int:offer_id>/accept/", api.StandbyOfferAcceptApi.as_view(),
         name="api-standby-accept"),
    path("no-shows/<int:report_id>/dispute/", api.NoShowDisputeApi.as_view(),
         name="api-no-show-dispute"),
]
