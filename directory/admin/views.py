"""Admins manage users and roles, and import and export the catalogue: /admin/..."""

from datetime import date

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired

from directory.accounts import services as accounts
from directory.accounts.forms import EmptyForm
from directory.accounts.models import ROLES, User
from directory.accounts.permissions import role_required
from directory.catalogue.csv_io import export_csv
from directory.catalogue.importing import import_catalogue_csv
from directory.extensions import db
from directory.transactions import commit

blueprint = Blueprint("admin", __name__, url_prefix="/admin")


@blueprint.before_request
@role_required("admin")
def require_admin() -> None:
    """Every page here is for admins only."""


class ImportForm(FlaskForm):
    """A catalogue CSV file to upload."""

    file = FileField(_l("Catalogue CSV file"), validators=[FileRequired(_l("Choose a CSV file"))])


@blueprint.get("/users")
def users() -> ResponseReturnValue:
    """Every user with their roles and state."""
    people = accounts.every_user()
    return render_template("admin/users.html", users=people, roles=ROLES, form=EmptyForm())


def user_or_404(user_id: int) -> User:
    """A user by id."""
    return db.session.get(User, user_id) or abort(404)


@blueprint.post("/users/<int:user_id>/roles")
def set_roles(user_id: int) -> ResponseReturnValue:
    """Grant and remove roles (the checkboxes say which to keep)."""
    from flask import request

    user = user_or_404(user_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    chosen = {role for role in request.form.getlist("roles") if role in ROLES}
    if user.id == current_user.id and "admin" not in chosen:
        flash(_("You cannot remove your own admin role."))
        return redirect(url_for("admin.users"))
    accounts.set_roles(user, chosen)
    commit()
    flash(_("Roles for %(email)s saved.", email=user.email))
    return redirect(url_for("admin.users"))


@blueprint.post("/users/<int:user_id>/<action>")
def user_action(user_id: int, action: str) -> ResponseReturnValue:
    """Deactivate a user, reactivate one, or end all of their sessions."""
    user = user_or_404(user_id)
    if action not in ("deactivate", "reactivate", "end-sessions"):
        abort(404)
    if user.id == current_user.id and action == "deactivate":
        flash(_("You cannot deactivate yourself."))
        return redirect(url_for("admin.users"))
    if action == "deactivate":
        accounts.deactivate(user)
    elif action == "reactivate":
        user.is_active_account = True
    else:
        accounts.end_sessions(user)
    commit()
    flash(_("%(email)s: done.", email=user.email))
    return redirect(url_for("admin.users"))


@blueprint.get("/catalogue")
def catalogue() -> ResponseReturnValue:
    """Export and import the catalogue."""
    return render_template("admin/catalogue.html", form=ImportForm(), problems=[])


@blueprint.get("/catalogue/export.csv")
def export() -> ResponseReturnValue:
    """The whole catalogue, every listing in any state, as CSV."""
    filename = f"catalogue-{date.today().isoformat()}.csv"
    return Response(
        export_csv(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@blueprint.post("/catalogue/import")
def import_catalogue() -> ResponseReturnValue:
    """Validate the whole file, then apply every row or none."""
    form = ImportForm()
    if not form.validate_on_submit():
        return render_template("admin/catalogue.html", form=form, problems=[]), 400
    upload = form.file.data
    try:
        raw = upload.read()
    finally:
        upload.close()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return render_template(
            "admin/catalogue.html", form=form, problems=[_("line 1, file: is not UTF-8 text")]
        ), 400
    report, problems = import_catalogue_csv(text, current_user)
    if report is None:
        return render_template("admin/catalogue.html", form=form, problems=problems), 400
    commit()
    flash(
        _(
            "Imported: listings %(created)s created, %(updated)s updated, %(unchanged)s unchanged.",
            created=report.listings.created,
            updated=report.listings.updated,
            unchanged=report.listings.unchanged,
        )
    )
    return redirect(url_for("admin.catalogue"))
