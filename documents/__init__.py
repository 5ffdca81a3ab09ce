"""The shared document library: folders, documents, versions, previews, trash.

Writes: `documents.services` (folders, uploads, details, trash). Reads and the fetch-and-check
of one document or folder (`access_document`, `access_folder`): `documents.selectors`.
Events: `documents.events.DocumentEvent`. Background work: `documents.tasks` (thin; it calls
the services). Permissions are asked of `communities.permissions`.
"""
