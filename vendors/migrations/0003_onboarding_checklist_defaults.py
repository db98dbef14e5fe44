"""The default onboarding checklist: every item for critical and high tiers; the paperwork and the
escalation path for medium; a signed contract for low. Managers change these in the portal."""

from django.db import migrations

ITEMS = ("contract_signed", "service_levels_agreed", "escalation_path_set", "raci_complete", "vendor_admin_invited")
REQUIRED = {
    "critical": set(ITEMS),
    "high": set(ITEMS),
    "medium": {"contract_signed", "service_levels_agreed", "escalation_path_set"},
    "low": {"contract_signed"},
}


def create_defaults(apps, schema_editor):
    OnboardingRequirement = apps.get_model("vendors", "OnboardingRequirement")
    OnboardingRequirement.objects.bulk_create(
        [
            OnboardingRequirement(tier=tier, item=item, is_required=item in required)
            for tier, required in REQUIRED.items()
            for item in ITEMS
        ],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [("vendors", "0002_portfolio_setup")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
