"""The bulk reader of a full rebuild gives every public listing the same document an edit does."""

from directory.extensions import db
from directory.search.documents import public_documents, search_document
from directory.search.indexing import public_listings_query
from directory.states import ModerationState
from tests.factories import make_listing


def test_bulk_documents_equal_the_documents_of_orm_listings(app):
    make_listing(
        app,
        regions=["wales", "scotland"],
        sectors=["health", "life-sciences"],
        locations=[{"town": "Cardiff", "postcode": "CF10 3AT"}, {"town": "Bangor"}],
        tags=["medtech"],
    )
    hidden = make_listing(app, name="A draft nobody may see")
    hidden.moderation_state = ModerationState.SUBMITTED
    db.session.commit()
    bulk = {document["id"]: document for document in public_documents(db.session())}
    single = {
        document["id"]: document
        for document in map(search_document, db.session.scalars(public_listings_query()))
    }
    assert bulk == single
    assert str(hidden.id) not in bulk
    assert len(bulk) > 600
