"""Catalogue models: organisations, listings, locations and the fixed taxonomies."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column, ForeignKey, String, Table, Text, event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from directory.clock import utcnow
from directory.extensions import Model, db
from directory.states import ApplicationStatus, ListingStatus, ModerationState


class Region(Model):
    """One of the 12 UK nations and regions (DESIGN section 4)."""

    slug: Mapped[str] = mapped_column(String(40), primary_key=True)
    label: Mapped[str] = mapped_column(String(80))
    itl1: Mapped[str] = mapped_column(String(3))
    position: Mapped[int]

    def __repr__(self) -> str:
        return f"<Region {self.slug}>"


class Stage(Model):
    """A business stage, mapped onto GOV.UK's business_stages."""

    slug: Mapped[str] = mapped_column(String(40), primary_key=True)
    label: Mapped[str] = mapped_column(String(120))
    govuk: Mapped[str] = mapped_column(String(40))
    position: Mapped[int]

    def __repr__(self) -> str:
        return f"<Stage {self.slug}>"


class SupportType(Model):
    """A kind of support, mapped onto GOV.UK's types_of_support."""

    __tablename__ = "support_type"

    slug: Mapped[str] = mapped_column(String(40), primary_key=True)
    label: Mapped[str] = mapped_column(String(80))
    govuk: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(String(200))
    position: Mapped[int]

    def __repr__(self) -> str:
        return f"<SupportType {self.slug}>"


class Sector(Model):
    """A GOV.UK industry, or `any` for sector-agnostic support."""

    slug: Mapped[str] = mapped_column(String(60), primary_key=True)
    label: Mapped[str] = mapped_column(String(80))
    position: Mapped[int]

    def __repr__(self) -> str:
        return f"<Sector {self.slug}>"


class BusinessSize(Model):
    """A GOV.UK business size band, used as optional eligibility."""

    __tablename__ = "business_size"

    slug: Mapped[str] = mapped_column(String(40), primary_key=True)
    label: Mapped[str] = mapped_column(String(80))
    position: Mapped[int]

    def __repr__(self) -> str:
        return f"<BusinessSize {self.slug}>"


def _link_table(name: str, target: str) -> Table:
    """Build the association table between listings and one taxonomy."""
    return Table(
        f"listing_{name}",
        db.metadata,
        Column("listing_id", ForeignKey("listing.id", ondelete="CASCADE"), primary_key=True),
        Column(f"{name}_slug", ForeignKey(f"{target}.slug"), primary_key=True),
    )


listing_region = _link_table("region", "region")
listing_stage = _link_table("stage", "stage")
listing_support_type = _link_table("support_type", "support_type")
listing_sector = _link_table("sector", "sector")
listing_business_size = _link_table("business_size", "business_size")


class Organisation(Model):
    """A body that runs one or more listings (HSDS organization)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    website: Mapped[str | None] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    # The same in Welsh, where the organisation publishes it (a Welsh page shows the English,
    # marked as English, where these are empty).
    name_cy: Mapped[str | None] = mapped_column(String(200))
    description_cy: Mapped[str | None] = mapped_column(Text)
    # Where each fact came from: [{url, retrieved (ISO date), supports: [field, ...]}, ...].
    sources: Mapped[list[dict]] = mapped_column(JSON, default=list)
    # published, or proposed by a would-be owner and waiting for a moderator, or rejected
    moderation_state: Mapped[str] = mapped_column(
        String(20), default=ModerationState.PUBLISHED, server_default="published"
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    listings: Mapped[list[Listing]] = relationship(
        back_populates="organisation", order_by="Listing.name"
    )

    def __repr__(self) -> str:
        return f"<Organisation {self.slug}>"


class Listing(Model):
    """One offering a founder can use: a programme, fund, loan scheme, hub or resource."""

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    summary: Mapped[str] = mapped_column(String(400))
    description: Mapped[str] = mapped_column(Text)
    website: Mapped[str | None] = mapped_column(String(500))
    # Ways to act besides the website: an email address, a phone number, a form's address.
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    contact_form: Mapped[str | None] = mapped_column(String(500))
    how_to_apply: Mapped[str] = mapped_column(Text)
    # The listing's text in Welsh, where its owner or its own Welsh page gives it.
    name_cy: Mapped[str | None] = mapped_column(String(200))
    summary_cy: Mapped[str | None] = mapped_column(String(400))
    description_cy: Mapped[str | None] = mapped_column(Text)
    eligibility_cy: Mapped[str | None] = mapped_column(Text)
    how_to_apply_cy: Mapped[str | None] = mapped_column(Text)
    cost: Mapped[str | None] = mapped_column(Text)
    funding_min: Mapped[int | None]
    funding_max: Mapped[int | None]
    equity_taken: Mapped[bool | None]
    eligibility: Mapped[str | None] = mapped_column(Text)
    # open, rolling (apply any time), closed, opens (on opens_on)
    application_status: Mapped[str] = mapped_column(String(20), default=ApplicationStatus.ROLLING)
    opens_on: Mapped[date | None]
    deadline: Mapped[date | None]
    # Between rounds with no date yet: what is known of the next one.
    next_round: Mapped[str | None] = mapped_column(Text)
    # active, paused, closed: whether the offering runs at all
    status: Mapped[str] = mapped_column(String(20), default=ListingStatus.ACTIVE)
    # When a closed programme ended; it stays listed as ended.
    closed_on: Mapped[date | None]
    # draft, submitted, published, rejected: only published listings are public
    moderation_state: Mapped[str] = mapped_column(String(20), default=ModerationState.PUBLISHED)
    # What a moderator said when sending a submission back, shown to its owners.
    moderation_note: Mapped[str | None] = mapped_column(Text)
    uk_wide: Mapped[bool] = mapped_column(default=False)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    last_checked_on: Mapped[date | None]
    last_checked_by: Mapped[str | None] = mapped_column(String(200))
    # How it was last checked: "source" (its published sources re-read), "owner", "moderator".
    last_checked_how: Mapped[str | None] = mapped_column(String(20))
    sources: Mapped[list[dict]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # When founders could first see it: what "newly listed" in an alert digest means.
    published_at: Mapped[datetime | None] = mapped_column(index=True)

    organisation: Mapped[Organisation] = relationship(back_populates="listings")
    regions: Mapped[list[Region]] = relationship(secondary=listing_region, order_by=Region.position)
    stages: Mapped[list[Stage]] = relationship(secondary=listing_stage, order_by=Stage.position)
    support_types: Mapped[list[SupportType]] = relationship(
        secondary=listing_support_type, order_by=SupportType.position
    )
    sectors: Mapped[list[Sector]] = relationship(secondary=listing_sector, order_by=Sector.position)
    business_sizes: Mapped[list[BusinessSize]] = relationship(
        secondary=listing_business_size, order_by=BusinessSize.position
    )
    locations: Mapped[list[Location]] = relationship(
        back_populates="listing", cascade="all, delete-orphan", order_by="Location.position"
    )

    @property
    def is_public(self) -> bool:
        """Whether founders may see this listing at all."""
        return self.moderation_state == ModerationState.PUBLISHED

    @property
    def region_slugs(self) -> list[str]:
        """Regions served, with `uk-wide` standing for all of them."""
        return ["uk-wide"] if self.uk_wide else [region.slug for region in self.regions]

    def __repr__(self) -> str:
        return f"<Listing {self.slug}>"


@event.listens_for(Session, "before_flush")
def _stamp_first_publication(session: Session, _context: object, _instances: object) -> None:
    """Every way a listing gets published (moderation, seed, import) stamps when it first was."""
    for listing in (*session.new, *session.dirty):
        if not isinstance(listing, Listing) or listing.published_at is not None:
            continue
        # A new listing without a state takes the column's default: published.
        state = listing.moderation_state or ModerationState.PUBLISHED
        if state == ModerationState.PUBLISHED:
            listing.published_at = utcnow()


class Location(Model):
    """A physical site where a listing is delivered (HSDS location)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(
        ForeignKey("listing.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(300))
    town: Mapped[str] = mapped_column(String(120))
    postcode: Mapped[str | None] = mapped_column(String(10))
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    lad_code: Mapped[str | None] = mapped_column(String(9))
    region_slug: Mapped[str | None] = mapped_column(ForeignKey("region.slug"))

    listing: Mapped[Listing] = relationship(back_populates="locations")

    def __repr__(self) -> str:
        return f"<Location {self.town} {self.postcode or ''}>"


# Every relation a listing's record, search document or open-data service reads. Code reading
# many listings loads these with selectinload: a query per relation, not one per listing.
LISTING_RELATIONS = (
    Listing.organisation,
    Listing.regions,
    Listing.stages,
    Listing.support_types,
    Listing.sectors,
    Listing.business_sizes,
    Listing.locations,
)


class LinkCheck(Model):
    """The latest answer of one web address the catalogue uses (`flask catalogue links`)."""

    __tablename__ = "link_check"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(500), unique=True)
    # ok, redirected (moved for good), broken (4xx/5xx) or unreachable (timeout, no answer)
    outcome: Mapped[str] = mapped_column(String(20))
    status: Mapped[int | None]
    final_url: Mapped[str | None] = mapped_column(String(2000))
    error: Mapped[str | None] = mapped_column(String(200))
    checked_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<LinkCheck {self.outcome} {self.url}>"
