from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from accounts.forms import ProfileForm, SignupForm
from accounts.models import Profile
from accounts.services import profile_for


def signup(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        profile = Profile.objects.create(user=user, kind=form.cleaned_data["kind"],
                                         time_zone=form.cleaned_data["time_zone"])
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        if profile.is_coach:
            messages.success(request, "Welcome to Mockloop. Hand your candidates a link and "
                                      "their progress appears on your roster.")
            return redirect("coaching:links")
        messages.success(request, "Welcome to Mockloop. Tell us what you are preparing for.")
        return redirect("accounts:profile")
    return render(request, "accounts/signup.html", {"form": form},
                  status=400 if form.errors else 200)


@login_required
def profile(request):
    current = profile_for(request.user)
    form = ProfileForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Profile saved.")
        return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form},
                  status=400 if form.errors else 200)
