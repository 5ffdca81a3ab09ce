"""Every write of the forums, one module per subject: `services.start_thread(...)`,
`services.hide_post(...)`.

Imports point one way: threads → posts → notices, indexing; moderation → notices, indexing;
answers and summaries import none of the others but errors; notices and indexing import none of
the others. Refusals raise ForumError (an ActionRefused).
"""

from forums.services.answers import mark_answer, unmark_answer
from forums.services.errors import ForumError
from forums.services.indexing import reindex_thread
from forums.services.moderation import (
    approve_post,
    dismiss_flags,
    flag_post,
    hide_post,
    hide_thread,
    lock_thread,
    move_thread,
    pin_thread,
    rename_thread,
    restore_post,
    restore_thread,
    unlock_thread,
    unpin_thread,
)
from forums.services.notices import announce_post, notify_queue, set_subscription
from forums.services.posts import edit_post, mark_read, reply, toggle_reaction
from forums.services.summaries import remove_summary, save_summary
from forums.services.threads import create_forum, move_forum, start_thread, update_forum

__all__ = [
    "ForumError",
    "announce_post",
    "approve_post",
    "create_forum",
    "dismiss_flags",
    "edit_post",
    "flag_post",
    "hide_post",
    "hide_thread",
    "lock_thread",
    "mark_answer",
    "mark_read",
    "move_forum",
    "move_thread",
    "notify_queue",
    "pin_thread",
    "reindex_thread",
    "remove_summary",
    "rename_thread",
    "reply",
    "restore_post",
    "restore_thread",
    "save_summary",
    "set_subscription",
    "start_thread",
    "toggle_reaction",
    "unmark_answer",
    "unlock_thread",
    "unpin_thread",
    "update_forum",
]
