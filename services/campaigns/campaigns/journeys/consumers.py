"""journeys' reactions to bus events: each reads its event and calls one use case (thin)."""

from __future__ import annotations

from campaigns import bootstrap
from campaigns.events import JourneyStepDue
from campaigns.inbound import (
    BirthdayDueIn,
    ContactErasedIn,
    ContactUpdatedIn,
    CouponIssuedIn,
    JourneyStepDueIn,
    LeadCreatedIn,
    OpportunityLostIn,
    OpportunityWonIn,
    PurchaseRecordedIn,
    SegmentMovedIn,
    SurveyAnsweredIn,
    SurveyRequestedIn,
    TicketOpenedIn,
    UnsubscribeRequestedIn,
)
from campaigns.journeys.birthdays import birthday_changed, birthday_due
from campaigns.journeys.models import StopEvent, TriggerEvent
from campaigns.journeys.usecases import step_due, stop, trigger
from shared.events import Envelope

MAX_ARTICLES = 5


def on_lead_created(envelope: Envelope[LeadCreatedIn]) -> None:
    trigger(
        TriggerEvent.LEAD_CREATED,
        envelope.data.contact_id,
        bootstrap.journey_ports(),
        event_id=envelope.metadata.event_id,
    )


def on_segment_entered(envelope: Envelope[SegmentMovedIn]) -> None:
    data = envelope.data
    ports = bootstrap.journey_ports()
    trigger(
        TriggerEvent.SEGMENT_ENTERED,
        data.contact_id,
        ports,
        event_id=envelope.metadata.event_id,
        segment_id=data.segment_id,
    )


def on_opportunity_won(envelope: Envelope[OpportunityWonIn]) -> None:
    trigger(
        TriggerEvent.OPPORTUNITY_WON,
        envelope.data.contact_id,
        bootstrap.journey_ports(),
        event_id=envelope.metadata.event_id,
    )


def on_survey_requested(envelope: Envelope[SurveyRequestedIn]) -> None:
    data = envelope.data
    context = {"survey_url": data.survey_url or "", "ticket": {"id": data.ticket_id, "subject": ""}}
    ports = bootstrap.journey_ports()
    trigger(TriggerEvent.SURVEY_REQUESTED, data.contact_id, ports, event_id=envelope.metadata.event_id, context=context)


def on_ticket_opened(envelope: Envelope[TicketOpenedIn]) -> None:
    data = envelope.data
    articles = [a.model_dump() for a in data.articles[:MAX_ARTICLES]]
    context = {"ticket": {"id": data.ticket_id, "subject": data.subject}, "articles": articles}
    ports = bootstrap.journey_ports()
    trigger(TriggerEvent.TICKET_OPENED, data.contact_id, ports, event_id=envelope.metadata.event_id, context=context)


def on_coupon_issued(envelope: Envelope[CouponIssuedIn]) -> None:
    data = envelope.data
    if data.contact_id is None:  # a batch's code not yet given to anyone: nobody to deliver to
        return
    value = "" if data.value is None else str(data.value)
    expires = "" if data.expires_at is None else data.expires_at.isoformat()
    context = {"coupon": {"code": data.code, "value": value, "expires_at": expires}}
    ports = bootstrap.journey_ports()
    trigger(TriggerEvent.COUPON_ISSUED, data.contact_id, ports, event_id=envelope.metadata.event_id, context=context)


def on_birthday_due(envelope: Envelope[BirthdayDueIn]) -> None:
    data, ports = envelope.data, bootstrap.journey_ports()
    birthday_due(data.contact_id, data.on, envelope.metadata.event_id, bootstrap.birthdays(), ports)


def on_contact_updated(envelope: Envelope[ContactUpdatedIn]) -> None:
    data = envelope.data
    if "birthday" in data.changed and "birthday" in data.model_fields_set:
        ports = bootstrap.journey_ports()
        birthday_changed(data.contact_id, data.birthday, bootstrap.birthdays(), ports.deadlines, ports.clock)


def on_journey_step_due(envelope: Envelope[JourneyStepDueIn]) -> None:
    step_due(JourneyStepDue(**envelope.data.model_dump()), bootstrap.journey_ports())


def on_segment_exited(envelope: Envelope[SegmentMovedIn]) -> None:
    data = envelope.data
    stop(StopEvent.SEGMENT_EXITED, data.contact_id, bootstrap.journey_ports(), segment_id=data.segment_id)


def on_purchase_recorded(envelope: Envelope[PurchaseRecordedIn]) -> None:
    stop(StopEvent.PURCHASE_RECORDED, envelope.data.contact_id, bootstrap.journey_ports())


def on_opportunity_lost(envelope: Envelope[OpportunityLostIn]) -> None:
    stop(StopEvent.OPPORTUNITY_LOST, envelope.data.contact_id, bootstrap.journey_ports())


def on_survey_answered(envelope: Envelope[SurveyAnsweredIn]) -> None:
    stop(StopEvent.SURVEY_ANSWERED, envelope.data.contact_id, bootstrap.journey_ports())


def on_unsubscribe_requested(envelope: Envelope[UnsubscribeRequestedIn]) -> None:
    stop(StopEvent.UNSUBSCRIBE_REQUESTED, envelope.data.contact_id, bootstrap.journey_ports())


def on_contact_erased(envelope: Envelope[ContactErasedIn]) -> None:
    ports = bootstrap.journey_ports()
    stop(StopEvent.CONTACT_ERASED, envelope.data.contact_id, ports)
    ports.runs.forget(envelope.data.contact_id)
    birthday_changed(envelope.data.contact_id, None, bootstrap.birthdays(), ports.deadlines, ports.clock)
