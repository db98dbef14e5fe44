"""Django admin that writes the audit trail: every add, change and delete made in the admin is recorded."""

from django.db import transaction

from . import audit

# Form fields whose values must never reach the trail.
SECRET_FIELDS = frozenset({"password", "password1", "password2", "usable_password"})


def form_changes(form, *, adding: bool) -> dict:
    """``{field: [old, new]}`` for the model fields of a valid form.

    A new row records every value it was given; a changed row records the fields the form
    changed, with the old values taken from the form's initial data.
    """
    model_fields = {f.name for f in form._meta.model._meta.get_fields() if getattr(f, "editable", False)}
    names = form.cleaned_data if adding else form.changed_data
    changes = {}
    for name in names:
        if name in SECRET_FIELDS or name not in model_fields:
            continue
        new = audit.plain_value(form.cleaned_data.get(name))
        if adding and new in (None, "", []):
            continue
        changes[name] = [None if adding else audit.plain_value(form.initial.get(name)), new]
    return changes


class AuditedModelAdmin:
    """Mix into a ModelAdmin (first) so its saves and deletes, inlines included, go into the audit trail."""

    def _save_audited(self, request, obj, form, *, adding: bool) -> None:
        changes = form_changes(form, adding=adding)
        obj.save()
        if adding or changes:
            verb = "created" if adding else "updated"
            audit.audit_record(
                actor=request.user,
                action=audit.action_code(obj, verb),
                obj=obj,
                changes=changes,
                note="admin",
            )

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            self._save_audited(request, obj, form, adding=not change)

    def delete_model(self, request, obj):
        audit.audited_delete(instance=obj, actor=request.user, note="admin")

    def delete_queryset(self, request, queryset):
        # The bulk "delete selected" action would otherwise bypass the trail.
        with transaction.atomic():
            for obj in queryset:
                audit.audited_delete(instance=obj, actor=request.user, note="admin")

    def save_formset(self, request, form, formset, change):
        with transaction.atomic():
            formset.save(commit=False)
            for obj in formset.deleted_objects:
                audit.audited_delete(instance=obj, actor=request.user, note="admin")
            form_of = {id(inline_form.instance): inline_form for inline_form in formset.forms}
            for obj in formset.new_objects:
                self._save_audited(request, obj, form_of[id(obj)], adding=True)
            for obj, _changed in formset.changed_objects:
                self._save_audited(request, obj, form_of[id(obj)], adding=False)
            formset.save_m2m()
