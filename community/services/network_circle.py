"""The network circle (/network-circle): the words and choices the page's script draws with.

The circle itself lives in the resident's browser only: this module gives the script its labels
(the vocabularies in community/taxonomy.py, in the page's language) and the finder's filter names.
Nothing about a resident's network is sent here or stored here.
"""
from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _

from .. import taxonomy
from ..i18n import current_locale

# Short sector names inside the drawing (the full names are in the legend and the list).
def _short_sectors() -> dict[str, str]:
    return {"family": _("Family"), "friends": _("Friends"), "community": _("Neighbourhood, work, clubs"),
            "professional": _("Professionals"), "none": _("No sector")}


def vocabularies(locale: str | None = None) -> dict[str, list[tuple[str, str]]]:
    locale = locale or current_locale()
    return {"rings": taxonomy.CIRCLE_RINGS.choices(locale), "sectors": taxonomy.CIRCLE_SECTORS.choices(locale),
            "functions": taxonomy.CIRCLE_FUNCTIONS.choices(locale),
            "frequencies": taxonomy.CIRCLE_FREQUENCIES.choices(locale),
            "channels": taxonomy.CIRCLE_CHANNELS.choices(locale)}


def messages() -> dict[str, str]:
    """Sentences the script writes; `{n}`, `{list}` and `{name}` are filled in by the script."""
    return {
        "me": _("Me"),
        "drawing": _("Drawing of the network circle: the same people are in the list below."),
        "count_one": _("1 person in the circle."),
        "count_other": _("{n} people in the circle."),
        "empty": _("No one in the circle yet. Add someone with the form."),
        "sectors_used": _("People from {n} of the 4 sectors."),
        "sectors_empty": _("No one yet in: {list}."),
        "rings_empty": _("No one yet in the ring: {list}."),
        "professionals_only": _("Everyone in the circle is a professional or a service."),
        "functions_empty": _("Nobody brings yet: {list}."),
        "functions_all": _("Every kind of support is brought by someone."),
        "one_way": _("With no one is support marked as going both ways."),
        "mutual": _("Support goes both ways with {n} of them."),
        "strain": _("Marked as more of a strain than a support: {n}."),
        "offers_for": _("Offers for: {list}"),
        "offers_all": _("No kind of support is missing in the drawing. You can still look at every offer."),
        "added": _("{name} is in the circle."),
        "changed": _("{name} has been changed."),
        "removed": _("{name} is no longer in the circle."),
        "name_needed": _("Write a name or nickname."),
        "change": _("Change"), "remove": _("Remove"), "yes": _("Yes"), "no": _("No"),
        "add": _("Add to the circle"), "save_change": _("Save the change"),
        "passphrase_short": _("Choose a passphrase of at least 8 characters."),
        "saved": _("The file is saved. Keep it and remember the passphrase: nobody can open it without."),
        "opened_one": _("Opened: 1 person."),
        "opened_other": _("Opened: {n} people."),
        "open_failed": _("This file could not be opened: the passphrase is wrong or it is not a circle file."),
        "kept": _("Kept on this device, encrypted with your passphrase."),
        "forgotten": _("Nothing is kept on this device any more."),
        "no_crypto": _("This browser cannot encrypt here, so saving is not possible. You can print."),
        "view_none": _("You have not said yet how your network feels to you."),
        "view_words": _("In your words: {list}."),
        "models_for": _("Ways of working that could fit, for {list}:"),
        "then": _("Then: {date}"),
        "now": _("Now, on screen"),
    }


# Working models that could fit when a sector of the circle has no one yet (domain.md): a buddy or a peer
# network where there are no friends yet; neighbourhood work and volunteering where there are no neighbours,
# colleagues or clubs. The finder link carries only the model code.
SECTOR_MODELS = {"friends": ("buddy", "peer"), "community": ("location", "organisation")}


def config() -> dict:
    """Everything the script needs, for the page's JSON island (written with tojson)."""
    return {"vocabularies": vocabularies(), "short_sectors": _short_sectors(), "messages": messages(),
            # Only the finder's own network functions can be a filter; advice is not one.
            "finder_functions": list(taxonomy.NETWORK_FUNCTIONS.codes),
            "sector_models": {sector: list(codes) for sector, codes in SECTOR_MODELS.items()},
            "models": dict(taxonomy.WORKING_MODELS.choices(current_locale())),
            "finder_url": url_for("public.initiatives"), "storage_key": "buurtkracht-network-circle"}
