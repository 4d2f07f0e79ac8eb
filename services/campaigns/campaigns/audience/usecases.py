"""The audience: campaigns' own view of each contact, kept from contacts' events (tested with
fakes), and what the senders ask of it: who is in the segments, who may be sent to.

Every reaction is idempotent under redelivery and reordering: each part of a recipient (a
profile field, a consent key, a segment membership) remembers when it was decided, and an
event changes it only when it is newer (a redelivery is as old, so it changes nothing).
Each write is conditional on the version read (``AudienceStore.commit``), re-read on a
concurrent change; a recipient and its membership items are written in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Any, Protocol

from campaigns.audience.models import AudienceCount, Channel, Membership, Recipient, RecipientState, SkipReason
from shared.errors import Conflict
from shared.observability import logger

# What contacts' LeadCreated and ContactUpdated may tell about a person (the recipient's profile).
PROFILE_FIELDS = ("email", "phone", "first_name", "last_name", "language", "company", "birthday")
ATTEMPTS = 5  # reads and writes of one change before giving up (the event is retried)
MERGE_STEP = 45  # memberships moved per merge transaction: 2 per move + 2 recipients, under 100
PAGE = 1000  # members read per query when resolving an audience
BATCH = 100  # recipients read per BatchGetItem


@dataclass(frozen=True)
class Change:
    """One recipient's write: from ``before`` (None: nothing stored) to ``after`` (its version
    already the next); its membership items follow (put for a segment joined, deleted for one left)."""

    before: RecipientState | None
    after: RecipientState


class Members(Protocol):
    """What resolving an audience reads (AudienceRepository.members)."""

    def members(
        self, segment_id: str, limit: int, start: dict[str, Any] | None
    ) -> tuple[list[str], dict[str, Any] | None]: ...


class Readers(Members, Protocol):
    """What the senders read (AudienceRepository): members, and recipients by id."""

    def recipients(self, contact_ids: list[str]) -> dict[str, Recipient]: ...
    def recipient(self, contact_id: str) -> Recipient | None: ...


class AudienceStore(Readers, Protocol):
    """All the audience's store does: the reactions' reads and writes too."""

    def state(self, contact_id: str) -> RecipientState | None: ...
    def commit(self, changes: list[Change]) -> bool: ...
    def forget(self, state: RecipientState) -> None: ...


Suppressed = Callable[[list[str]], set[str]]  # addresses in, the suppressed ones out


def _fresh(contact_id: str) -> RecipientState:
    return RecipientState(recipient=Recipient(contact_id=contact_id))


def _next(before: RecipientState, after: RecipientState) -> RecipientState:
    segments = after.segment_ids()
    recipient = after.recipient.model_copy(update={"segments": segments})
    return after.model_copy(update={"recipient": recipient, "version": before.version + 1})


def _update(
    repo: AudienceStore,
    contact_id: str,
    change: Callable[[RecipientState], RecipientState | None],
    *,
    follow_merge: bool = False,
) -> bool:
    """Apply ``change`` to the contact's state (a fresh one if nothing is stored) and write it,
    conditional on the version read; True when something changed. Nothing is written for an
    erased contact, nor for one merged away (unless ``follow_merge``: then to the winner)."""
    hops = 0
    attempt = 0
    while attempt < ATTEMPTS:
        stored = repo.state(contact_id)
        before = stored or _fresh(contact_id)
        if before.erased:
            return False
        if before.merged_into is not None:
            if not follow_merge or hops >= 3:
                return False
            contact_id, hops = before.merged_into, hops + 1
            continue
        after = change(before)
        if after is None or after == before:
            return False
        if repo.commit([Change(stored, _next(before, after))]):
            return True
        attempt += 1  # a concurrent change (or the erasure) came first: read again
    raise Conflict(f"recipient {contact_id} kept changing; try again")


# --- what each event changes (pure) ----------------------------------------------------


def with_profile(state: RecipientState, values: dict[str, Any], at: datetime) -> RecipientState | None:
    """The fields of ``values`` (a subset of PROFILE_FIELDS; None clears) that are newer than
    what the recipient holds."""
    newer = {
        f: v
        for f, v in values.items()
        if f in PROFILE_FIELDS and (f not in state.profile_at or at > state.profile_at[f])
    }
    if not newer:
        return None
    recipient = state.recipient.model_copy(update={**newer, "updated_at": at})
    stamps = {**state.profile_at, **dict.fromkeys(newer, at)}
    return state.model_copy(update={"recipient": recipient, "profile_at": stamps})


def with_consent(state: RecipientState, key: str, granted: bool, at: datetime) -> RecipientState | None:
    """``key`` (``email:marketing``) decided at ``at``, unless a newer decision is held."""
    held = state.consent_at.get(key)
    if held is not None and held >= at:
        return None
    recipient = state.recipient.model_copy(
        update={"consent": {**state.recipient.consent, key: granted}, "updated_at": at}
    )
    return state.model_copy(update={"recipient": recipient, "consent_at": {**state.consent_at, key: at}})


def with_membership(state: RecipientState, segment_id: str, member: bool, at: datetime) -> RecipientState | None:
    """In or out of ``segment_id`` as of ``at``, unless a newer entry or exit is held (an exit
    stays as a tombstone: a late, older entry does not bring the contact back)."""
    held = state.memberships.get(segment_id)
    if held is not None and held.at >= at:
        return None
    memberships = {**state.memberships, segment_id: Membership(member=member, at=at)}
    return state.model_copy(update={"memberships": memberships})


def folded(winner: RecipientState, loser: RecipientState, segment_ids: Iterable[str]) -> RecipientState:
    """The winner with the loser's memberships of ``segment_ids`` (each unless the winner's
    own entry or exit is newer) and, once no membership is left to move, the loser's consent
    (per key, the newer decision)."""
    memberships = dict(winner.memberships)
    for sid in segment_ids:
        theirs, ours = loser.memberships[sid], memberships.get(sid)
        if ours is None or ours.at < theirs.at:
            memberships[sid] = theirs
    return winner.model_copy(update={"memberships": memberships})


def with_consent_of(winner: RecipientState, loser: RecipientState) -> RecipientState:
    state = winner
    for key, at in loser.consent_at.items():
        state = with_consent(state, key, loser.recipient.consent[key], at) or state
    return state


# --- the reactions ---------------------------------------------------------------------


def record_profile(repo: AudienceStore, contact_id: str, values: dict[str, Any], at: datetime) -> bool:
    """LeadCreated (the whole profile) or ContactUpdated (the fields that changed)."""
    return _update(repo, contact_id, lambda s: with_profile(s, values, at))


def record_consent(
    repo: AudienceStore, contact_id: str, *, channel: str, purpose: str, granted: bool, at: datetime
) -> bool:
    """ConsentChanged: the newest ``at`` wins. A merged-away contact's decision goes to the
    contact it was merged into (it was theirs too)."""
    key = f"{channel}:{purpose}"
    return _update(repo, contact_id, lambda s: with_consent(s, key, granted, at), follow_merge=True)


def record_membership(repo: AudienceStore, segment_id: str, contact_id: str, *, member: bool, at: datetime) -> bool:
    """SegmentEntered / SegmentExited, ordered by the event's occurred_at."""
    return _update(repo, contact_id, lambda s: with_membership(s, segment_id, member, at))


def merge(repo: AudienceStore, winner_id: str, loser_id: str, at: datetime) -> None:
    """ContactsMerged: the loser's memberships (MERGE_STEP a transaction) then its consent fold
    into the winner's, and the loser becomes a tombstone pointing at the winner (its PII and
    membership items go; a late event for it changes nothing, a late consent goes to the
    winner). Each step is one transaction of both recipients, so a redelivery or a crash
    mid-way resumes where it stopped."""
    if winner_id == loser_id:
        return
    attempt = 0
    while attempt < ATTEMPTS:
        loser_stored, winner_stored = repo.state(loser_id), repo.state(winner_id)
        loser = loser_stored or _fresh(loser_id)
        if loser.erased or loser.merged_into is not None:
            return
        winner = winner_stored or _fresh(winner_id)
        moving = loser.segment_ids()[:MERGE_STEP]
        if moving:
            rest = {sid: m for sid, m in loser.memberships.items() if sid not in moving}
            loser_after = loser.model_copy(update={"memberships": rest})
            winner_after = folded(winner, loser, moving)
        else:
            loser_after = RecipientState(recipient=Recipient(contact_id=loser_id, updated_at=at), merged_into=winner_id)
            winner_after = with_consent_of(winner, loser)
        changes = [Change(loser_stored, _next(loser, loser_after))]
        if not winner.erased and winner_after != winner:
            changes.append(Change(winner_stored, _next(winner, winner_after)))
        if not repo.commit(changes):
            attempt += 1
            continue
        if not moving:
            logger.info("recipients merged", extra={"winner_id": winner_id, "loser_id": loser_id})
            return
        attempt = 0  # a step done: the next one has its own attempts
    raise Conflict(f"recipients {winner_id} and {loser_id} kept changing; try again")


def erase(repo: AudienceStore, contact_id: str) -> None:
    """ContactErased: the recipient and its membership items go. The messages feature marks
    the contact erased first (its reaction runs before this one), and every other write is
    conditional on that mark's absence, so nothing comes back after this."""
    state = repo.state(contact_id)
    if state is not None and state.version > 0:
        repo.forget(state)
        logger.info("recipient erased", extra={"contact_id": contact_id, "segments": len(state.segment_ids())})


# --- what the senders call -------------------------------------------------------------


def _segment(repo: Members, segment_id: str) -> Iterator[str]:
    start: dict[str, Any] | None = None
    while True:
        ids, start = repo.members(segment_id, PAGE, start)
        yield from ids
        if start is None:
            return


def resolve(segment_ids: list[str], exclude_segment_ids: list[str], repo: Members) -> Iterator[str]:
    """Each contact in any of ``segment_ids`` but in none of ``exclude_segment_ids``, once.

    Memory bound: the exclusion segments are read first into a set, and with more than one
    segment the ids already given are kept to give each once: about 120 bytes an id
    (measured: a set of a million UUID ids takes ~120 MB), so fine for ~1M ids in a Lambda
    of 1 GB or more; beyond that, freeze the audience in pages keyed by contact id instead.
    One segment, no exclusion: constant memory (a segment's Query gives each member once)."""
    excluded: set[str] = set()
    for segment_id in dict.fromkeys(exclude_segment_ids):
        excluded.update(_segment(repo, segment_id))
    targets = list(dict.fromkeys(segment_ids))
    seen: set[str] | None = set() if len(targets) > 1 else None
    for segment_id in targets:
        for contact_id in _segment(repo, segment_id):
            if contact_id in excluded:
                continue
            if seen is not None:
                if contact_id in seen:
                    continue
                seen.add(contact_id)
            yield contact_id


def eligibility(
    recipient: Recipient | None, channel: Channel, suppressed: set[str], purpose: str = "marketing"
) -> SkipReason | None:
    """Why ``recipient`` gets nothing on ``channel`` for ``purpose`` (None: send). The one rule,
    for counts and right before each send; ``suppressed``: the suppressed addresses among theirs."""
    if recipient is None:
        return SkipReason.ERASED
    address = recipient.address(channel)
    if not address:
        return SkipReason.NO_ADDRESS
    # Transactional mail (a survey, a ticket's answer) needs no marketing consent; suppression still bars it.
    if purpose != TRANSACTIONAL and not recipient.consents(channel, purpose):
        return SkipReason.NO_CONSENT
    if address.strip().lower() in suppressed:
        return SkipReason.SUPPRESSED
    return None


TRANSACTIONAL = "transactional"


def _none_suppressed(addresses: list[str]) -> set[str]:
    return set()


def count(
    segment_ids: list[str],
    exclude_segment_ids: list[str],
    repo: Readers,
    *,
    channel: Channel,
    purpose: str = "marketing",
    suppressed: Suppressed | None = None,
) -> AudienceCount:
    """Who a campaign would reach now, and why the others would be skipped (``suppressed``
    asked once per BATCH recipients; None: no address is suppressed)."""
    check = suppressed or _none_suppressed
    total, eligible, skipped = 0, 0, dict[SkipReason, int]()
    ids = resolve(segment_ids, exclude_segment_ids, repo)
    while chunk := list(islice(ids, BATCH)):
        total += len(chunk)
        found = repo.recipients(chunk)
        addresses = [a for r in found.values() if r.consents(channel, purpose) and (a := r.address(channel))]
        barred = check([a.strip().lower() for a in addresses]) if addresses else set()
        for contact_id in chunk:
            reason = eligibility(found.get(contact_id), channel, barred, purpose)
            if reason is None:
                eligible += 1
            else:
                skipped[reason] = skipped.get(reason, 0) + 1
    return AudienceCount(total=total, eligible=eligible, skipped=skipped)


class SegmentAudience:
    """``resolve`` and ``count`` bound to the recipient view and the suppression list: what the
    campaign feature reads of the audience (campaign/ports.py)."""

    def __init__(self, repo: Readers, suppressed: Suppressed) -> None:
        self.repo, self.suppressed = repo, suppressed

    def resolve(self, segment_ids: list[str], exclude_segment_ids: list[str]) -> Iterator[str]:
        return resolve(segment_ids, exclude_segment_ids, self.repo)

    def count(self, segment_ids: list[str], exclude_segment_ids: list[str], channel: Channel) -> AudienceCount:
        return count(segment_ids, exclude_segment_ids, self.repo, channel=channel, suppressed=self.suppressed)
