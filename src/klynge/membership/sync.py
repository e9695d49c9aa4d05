"""Keeps `Organisation.membership_tier` (which the directory filters and counts) in step with
the organisation's current membership: after every save or deletion of a membership and after
two organisations are merged (which moves memberships without saving them one by one)."""

from collections.abc import Iterable

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from klynge.ecosystem.merging import organisations_merged
from klynge.ecosystem.models import Organisation
from klynge.membership.models import CURRENT_STATUSES, Membership


def sync_membership_tiers(organisation_ids: Iterable[int]) -> None:
    """Copies the tier of each organisation's current membership (or none) onto it."""
    ids = set(organisation_ids)
    if not ids:
        return
    current = dict(
        Membership.objects.filter(organisation_id__in=ids, status__in=CURRENT_STATUSES)
        .order_by()
        .values_list("organisation_id", "tier_id")
    )
    for organisation_id in ids:
        tier_id = current.get(organisation_id)
        Organisation.objects.filter(pk=organisation_id).exclude(membership_tier_id=tier_id).update(
            membership_tier_id=tier_id
        )


@receiver(post_save, sender=Membership, dispatch_uid="membership.sync.saved")
@receiver(post_delete, sender=Membership, dispatch_uid="membership.sync.deleted")
def _membership_changed(sender, instance: Membership, raw=False, **kwargs):
    if not raw:
        sync_membership_tiers([instance.organisation_id])


@receiver(organisations_merged, dispatch_uid="membership.sync.merged")
def _organisations_merged(sender, keep: Organisation, duplicate: Organisation, **kwargs):
    sync_membership_tiers([keep.pk, duplicate.pk])
