"""Accounts, owners' pages and moderation in Welsh; owners' Welsh text for their listings."""

from __future__ import annotations

import re

from sqlalchemy import select

from directory.audit.models import AuditEntry
from directory.extensions import db
from tests.helpers import listing, page_text, post_form
from tests.test_accounts import link_in, read_outbox
from tests.test_owners import NEW_LISTING, create_listing, new_listing

WELSH_TEXT = {
    "name_cy": "Benthyciadau Busnesau Newydd",
    "summary_cy": "Benthyciadau i sylfaenwyr sy’n dechrau busnes yng Nghymru.",
    "description_cy": "Benthyciad personol i ddechrau busnes, gyda mentor am ddim am flwyddyn.",
    "eligibility_cy": "Rhaid i chi fyw yn y DU a bod dros 18 oed.",
    "how_to_apply_cy": "Gwnewch gais ar-lein.",
}


def text_of(response) -> str:
    return page_text(response.get_data(as_text=True))


def test_the_sign_in_page_and_its_errors_are_in_welsh(client):
    page = client.get("/account/login?lang=cy")
    assert page.status_code == 200 and '<html lang="cy"' in page.text
    text = page_text(page.text)
    assert "Wedi anghofio eich cyfrinair?" in text and "Crëwch un" in text
    assert "Sign in –" not in page.text and "Forgotten your password?" not in text
    # The form posts to a Welsh address, so its answer is Welsh too.
    assert 'action="/account/login?lang=cy"' in page.text
    wrong = post_form(
        client,
        "/account/login?lang=cy",
        {"email": "nobody@example.org", "password": "not the password"},
    )
    assert wrong.status_code == 200
    assert "Rhowch gyfeiriad e-bost a chyfrinair cywir" in text_of(wrong)
    empty = post_form(client, "/account/login?lang=cy", {"email": "", "password": ""})
    assert "Rhowch eich cyfeiriad e-bost" in text_of(empty)
    assert "Rhowch eich cyfrinair" in text_of(empty)
    # English is unchanged.
    english = post_form(client, "/account/login", {"email": "nobody@example.org", "password": "x"})
    assert "Enter a correct email address and password" in text_of(english)


def test_registering_from_a_welsh_page_sends_a_welsh_email_with_a_welsh_link(app, client):
    response = post_form(client, "/account/register?lang=cy", {"email": "sylfaenydd@example.org"})
    assert "Rydym wedi anfon e-bost at sylfaenydd@example.org" in text_of(response)
    email = read_outbox(app)[-1]
    assert "Subject: Cadarnhewch eich cyfeiriad e-bost" in email
    assert "Gofynnodd rhywun am greu cyfrif" in email and "Someone asked" not in email
    link = link_in(email)
    assert "lang=cy" in link
    assert "Creu eich cyfrinair" in text_of(client.get(link))
    confirmed = post_form(client, link, {"password": "plum kettle harbour", "confirm": "x"})
    assert "Nid yw’r cyfrineiriau’n cyfateb" in text_of(confirmed)


def test_a_reset_asked_for_in_welsh_is_emailed_in_welsh(app, client):
    from tests.helpers import make_user

    make_user("owner@example.org")
    post_form(client, "/account/reset?lang=cy", {"email": "owner@example.org"})
    email = read_outbox(app)[-1]
    assert "Subject: Ailosod eich cyfrinair" in email and "Gosodwch gyfrinair newydd" in email
    assert "lang=cy" in link_in(email)


def test_the_owners_listing_form_is_in_welsh_with_a_welsh_text_section(owner):
    owner_client, organisation = owner
    page = owner_client.get(f"/manage/listings/new?organisation={organisation.slug}&lang=cy")
    assert page.status_code == 200
    text = page_text(page.text)
    assert "Rhestriad newydd" in text and "Testun Cymraeg" in text
    assert "Yr enw yn Gymraeg." in text and "Sut i wneud cais, yn Gymraeg." in text
    assert "Unrhyw le yn y DU" in text and "Er enghraifft: am ddim; neu 6% o log" in text
    # Each Welsh box says its text is Welsh.
    boxes = re.findall(r'<(?:input|textarea)[^>]* name="(\w+)"[^>]* lang="cy"', page.text)
    assert sorted(boxes) == sorted(WELSH_TEXT)
    edit = owner_client.get("/manage/listings/start-up-loans/edit?lang=cy")
    assert "Golygu’r rhestriad" in page_text(edit.text)
    # In English the section is there too, with English labels.
    english_page = owner_client.get("/manage/listings/start-up-loans/edit").text
    # The Welsh boxes are labelled in Welsh, marked as Welsh, on English pages too.
    assert 'for="summary_cy" lang="cy">Crynodeb</label>' in english_page
    english = page_text(english_page)
    assert "Welsh text ( Cymraeg )" in english and "The name in Welsh." in english
    assert "Edit listing" in english


def test_an_owners_welsh_text_is_saved_audited_and_shown_to_moderators(owner, moderator):
    owner_client, _ = owner
    found = listing("start-up-loans")
    form_page = f"/manage/listings/{found.slug}/edit?lang=cy"
    data = {**NEW_LISTING, "name": found.name, "regions": ["uk-wide"], **WELSH_TEXT}
    saved = post_form(owner_client, form_page, data)
    assert saved.status_code == 302 and "lang=cy" in saved.headers["Location"]
    after = owner_client.get(saved.headers["Location"])
    assert "Mae eich newidiadau wedi’u cadw. Maen nhw’n fyw nawr." in text_of(after)
    stored = listing("start-up-loans")
    for field, value in WELSH_TEXT.items():
        assert getattr(stored, field) == value
    # The form shows what was saved, to edit again.
    assert WELSH_TEXT["description_cy"] in after.text
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.entity_id == found.id, AuditEntry.field == "summary_cy")
    ).one()
    assert entry.after == WELSH_TEXT["summary_cy"] and entry.user.email == "owner@example.org"

    review = moderator.get(f"/moderate/listings/{found.slug}?lang=cy")
    assert review.status_code == 200
    text = page_text(review.text)
    assert "Testun Cymraeg" in text and "Crynodeb (Cymraeg)" in text
    assert f'lang="cy">{WELSH_TEXT["name_cy"]}</dd>' in review.text
    assert "Newidiadau, y diweddaraf yn gyntaf" in text and "summary_cy" in text
    english = page_text(moderator.get(f"/moderate/listings/{found.slug}").text)
    assert "Welsh text ( Cymraeg )" in english and WELSH_TEXT["summary_cy"] in english

    # Clearing a Welsh box removes the Welsh.
    post_form(owner_client, form_page, {**data, "eligibility_cy": ""})
    assert listing("start-up-loans").eligibility_cy is None


def test_a_welsh_draft_reaches_the_moderators_and_the_welsh_over_long_is_refused(owner, moderator):
    owner_client, organisation = owner
    too_long = create_listing(owner_client, organisation, summary_cy="x" * 301)
    assert "Rhaid i’r crynodeb Cymraeg" not in text_of(too_long)  # asked in English
    assert "Summary in Welsh must be 300 characters or fewer" in text_of(too_long)
    welsh_page = post_form(
        owner_client,
        "/manage/listings/new?lang=cy",
        {**NEW_LISTING, "organisation": organisation.slug, "name_cy": "x" * 201},
        form_page=f"/manage/listings/new?organisation={organisation.slug}&lang=cy",
    )
    assert "Rhaid i’r enw Cymraeg fod yn 200 nod neu lai" in text_of(welsh_page)
    created = create_listing(owner_client, organisation, **WELSH_TEXT)
    assert created.status_code == 302
    draft = new_listing()
    assert draft.name_cy == WELSH_TEXT["name_cy"]
    post_form(owner_client, f"/manage/listings/{draft.slug}/submit?lang=cy", form_page="/manage/")
    queue = moderator.get("/moderate/?lang=cy")
    assert "Rhestriadau sy’n aros i gael eu hadolygu (1)" in text_of(queue)
    review = text_of(moderator.get(f"/moderate/listings/{draft.slug}?lang=cy"))
    assert WELSH_TEXT["how_to_apply_cy"] in review and "Cymeradwyo a chyhoeddi" in review
    approved = post_form(
        moderator,
        f"/moderate/listings/{draft.slug}/approve?lang=cy",
        form_page=f"/moderate/listings/{draft.slug}",
    )
    assert "lang=cy" in approved.headers["Location"]
    assert f"Mae {draft.name} wedi’i gyhoeddi." in text_of(
        moderator.get(approved.headers["Location"])
    )


def test_flash_messages_follow_the_page_language(owner):
    owner_client, _ = owner
    slug = "start-up-loans"
    paused = post_form(owner_client, f"/manage/listings/{slug}/pause?lang=cy", form_page="/manage/")
    assert paused.headers["Location"] == "/manage/?lang=cy"
    page = owner_client.get(paused.headers["Location"])
    text = page_text(page.text)
    assert "Mae eich rhestriad wedi’i oedi" in text
    assert "Eich sefydliadau a’ch rhestriadau" in text and "Ailagor" in text
    reopened = post_form(owner_client, f"/manage/listings/{slug}/reopen", form_page="/manage/")
    assert "Your listing is active again." in text_of(
        owner_client.get(reopened.headers["Location"])
    )
    signed_out = post_form(owner_client, "/account/logout?lang=cy", form_page="/manage/")
    assert "Rydych wedi allgofnodi." in text_of(owner_client.get(signed_out.headers["Location"]))


def test_proposing_an_organisation_in_welsh_keeps_its_welsh_name(owner, moderator):
    from directory.catalogue.models import Organisation

    owner_client, _ = owner
    response = post_form(
        owner_client,
        "/manage/organisations/new?lang=cy",
        {
            "name": "Wombat Ventures",
            "website": "https://wombat.example.org",
            "description": "Early-stage investment in Welsh start-ups.",
            "name_cy": "Mentrau Wombat",
            "description_cy": "Buddsoddiad cynnar mewn busnesau newydd yng Nghymru.",
            "message": "I am its director.",
        },
    )
    assert response.status_code == 302
    flashed = text_of(owner_client.get(response.headers["Location"]))
    assert "Mae Wombat Ventures wedi’i anfon at y cymedrolwyr i’w gymeradwyo." in flashed
    proposed = db.session.scalars(select(Organisation).filter_by(name="Wombat Ventures")).one()
    assert proposed.name_cy == "Mentrau Wombat"
    queue = moderator.get("/moderate/?lang=cy")
    assert "Sefydliad newydd" in page_text(queue.text)
    assert '<span lang="cy">Mentrau Wombat · Buddsoddiad cynnar' in queue.text


def test_the_catalogue_rules_speak_welsh_on_a_welsh_listing_form(owner):
    owner_client, organisation = owner
    form_page = f"/manage/listings/new?organisation={organisation.slug}&lang=cy"
    data = {**NEW_LISTING, "organisation": organisation.slug}
    response = post_form(
        owner_client,
        "/manage/listings/new?lang=cy",
        {**data, "description": "Rhy fyr.", "regions": [], "stages": []},
        form_page=form_page,
    )
    assert response.status_code == 200 and '<html lang="cy"' in response.text
    text = text_of(response)
    assert "Mae problem wedi codi" in text
    # Each rule is a clause after the form's own Welsh label for the field.
    assert "Disgrifiad: mae ganddo lai na 30 gair" in text
    assert "Ble: dewiswch o leiaf un rhanbarth, neu’r DU gyfan" in text
    assert "Camau busnes: dewiswch o leiaf un" in text
    assert "has fewer than" not in text and "needs at least one" not in text
    assert new_listing_count() == 0
    # The same form in English says what it always has.
    english = text_of(create_listing(owner_client, organisation, description="Too short."))
    assert "Description has fewer than 30 words" in english and "mae ganddo" not in english


def new_listing_count() -> int:
    from directory.catalogue.models import Listing

    return len(db.session.scalars(select(Listing).filter_by(name=NEW_LISTING["name"])).all())


def test_a_welsh_catalogue_import_page_lists_the_rules_in_welsh(app):
    import csv
    import io

    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    from tests.helpers import csrf_token, signed_in

    admin = signed_in(app, "admin@example.org", ("admin",))
    rows = list(csv.reader(io.StringIO(admin.get("/admin/catalogue/export.csv").text)))
    header = rows[0]
    rows[2][header.index("stages")] = "series-b"
    rows[3][header.index("description")] = "Too short."
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    boundary, body = encode_multipart(
        {
            "csrf_token": csrf_token(admin, "/admin/catalogue?lang=cy"),
            "file": FileStorage(io.BytesIO(buffer.getvalue().encode()), "catalogue.csv"),
        }
    )
    response = admin.post(
        "/admin/catalogue/import?lang=cy",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 400
    text = text_of(response)
    # The place stays the file's own (its columns); what is wrong is said in Welsh.
    assert "llinell 3, stages: nid yw 'series-b' yn un o’r camau sefydlog" in text
    assert "llinell 4, description: mae ganddo lai na 30 gair" in text
    assert "is not one of the fixed" not in text
