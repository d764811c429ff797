"""网上预约: an applicant's booking of a period at a window, made in the public hall."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from flask_appbuilder import Model
from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.errors import N_
from portal.models.base import created_at
from portal.models.case import Case
from portal.models.site import Item, SubCenter, Window


class BookingState(StrEnum):
    BOOKED = "booked"
    CANCELLED = "cancelled"  # by the applicant: the place is free again
    ARRIVED = "arrived"  # the clerk started the intake of the booking: ``case_id`` names it


BOOKING_STATE_NAMES = {
    BookingState.BOOKED: N_("Booked"),
    BookingState.CANCELLED: N_("Cancelled"),
    BookingState.ARRIVED: N_("Arrived"),
}


class Booking(Model):
    """One booked place. The places of a period are its seats 1…capacity: a booking holds one
    (``seat``), and the unique constraint on (window, day, period, seat) lets no two bookings
    hold the same one — so a period never has more bookings than places, whatever the number
    of applicants pressing at once, on PostgreSQL and SQLite alike. A cancelled booking gives
    its seat back (``seat`` NULL: NULLs are never equal to each other in a unique constraint),
    and the next booking takes the lowest free seat (portal/cases/bookings.py)."""

    __tablename__ = "booking"
    __table_args__ = (
        UniqueConstraint("window_id", "day", "period", "seat", name="uq_booking_seat"),
        Index("ix_booking_day_window", "day", "window_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # 预约码: random, unguessable, read aloud at the counter (no 0/O, 1/I/L)
    code: Mapped[str] = mapped_column(String(8), nullable=False, unique=True)
    sub_center_id: Mapped[int] = mapped_column(ForeignKey("sub_center.id"), nullable=False, index=True)
    window_id: Mapped[int] = mapped_column(ForeignKey("window.id"), nullable=False, index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"), nullable=False)
    day: Mapped[dt.date] = mapped_column(Date, nullable=False)
    period: Mapped[str] = mapped_column(String(11), nullable=False)  # "08:30-12:00"
    period_name: Mapped[str] = mapped_column(String(40), nullable=False)  # 上午, or the times
    seat: Mapped[int | None] = mapped_column(Integer)  # 1…capacity; NULL once cancelled
    applicant_name: Mapped[str] = mapped_column(String(200), nullable=False)
    applicant_id_number: Mapped[str] = mapped_column(String(40), nullable=False)
    applicant_phone: Mapped[str] = mapped_column(String(40), nullable=False)
    state: Mapped[str] = mapped_column(String(20), nullable=False, default=BookingState.BOOKED)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))  # once arrived
    created_at: Mapped[dt.datetime] = created_at()
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    sub_center: Mapped[SubCenter] = relationship()
    window: Mapped[Window] = relationship()
    item: Mapped[Item] = relationship()
    case: Mapped[Case | None] = relationship()

    def __str__(self) -> str:
        return self.code
