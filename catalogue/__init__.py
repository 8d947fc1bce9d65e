"""The one catalogue of user-facing words, in English and Dutch (STYLE 14).

Every label the page, the PDF and the API show for a code — finding statuses, job and authorisation states,
artifact outcomes, claim kinds — is read from ``labels.toml`` here; nothing else spells them out. The web page
fetches the same catalogue from ``GET /api/v1/catalogue``.
"""

from catalogue.labels import GROUPS, Label, Language, catalogue_json, group, label, message, message_pair

__all__ = ["GROUPS", "Label", "Language", "catalogue_json", "group", "label", "message", "message_pair"]
