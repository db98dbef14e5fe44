"""Governance forums and their meetings: agenda, minutes and attendance, comments."""

from django.urls import path

from ..views import forums as views
from ..views import meetings

app_name = "forums"

urlpatterns = [
    path("", views.forum_list, name="list"),
    path("new/", views.forum_create, name="create"),
    path("<int:pk>/", views.forum_detail, name="detail"),
    path("<int:pk>/edit/", views.forum_edit, name="edit"),
    path("<int:pk>/meetings/new/", meetings.meeting_create, name="meeting_create"),
    path("meetings/<int:meeting_pk>/", meetings.meeting_detail, name="meeting_detail"),
    path("meetings/<int:meeting_pk>/edit/", meetings.meeting_edit, name="meeting_edit"),
    path("meetings/<int:meeting_pk>/record/", meetings.meeting_record, name="meeting_record"),
    path("meetings/<int:meeting_pk>/cancel/", meetings.meeting_cancel, name="meeting_cancel"),
    path("meetings/<int:meeting_pk>/comment/", meetings.meeting_comment, name="meeting_comment"),
    path("meetings/<int:meeting_pk>/agenda/build/", meetings.agenda_build, name="agenda_build"),
    path("meetings/<int:meeting_pk>/agenda/add/", meetings.agenda_add, name="agenda_add"),
    path("agenda-items/<int:agenda_item_pk>/move/", meetings.agenda_move, name="agenda_move"),
    path("agenda-items/<int:agenda_item_pk>/remove/", meetings.agenda_remove, name="agenda_remove"),
]
