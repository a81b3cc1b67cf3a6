"""A worker warmed before it serves, and safe to fork afterwards (gunicorn's preload_app)."""

import os

from directory.search.warming import warm_up
from tests.helpers import result_slugs


def test_a_warmed_app_forks_into_workers_that_search_on_their_own_files(app):
    warm_up(app)
    pid = os.fork()
    if pid == 0:  # a worker: its own index files and database connections
        code = 1
        try:
            response = app.test_client().get("/search?q=start+up+loans")
            code = 0 if "start-up-loans" in result_slugs(response.get_data(as_text=True)) else 3
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    # The master's own index and connections were left alone by the child.
    response = app.test_client().get("/search?q=grant")
    assert response.status_code == 200 and result_slugs(response.get_data(as_text=True))


def test_warming_an_app_with_no_catalogue_yet_leaves_it_serving(empty_app):
    warm_up(empty_app)  # no index, no listings: logged, not raised
    assert empty_app.test_client().get("/").status_code == 200
