"""The window a tab holds: new messages fill the live end, which is sealed into chunks of its own; a chunk or
`earlier` that nothing changed in is the very same list (so its var is not resent); the oldest piece leaves
once every slot is taken, and the window says so."""

from __future__ import annotations

from services.conversation import ConversationItem
from services.transcript_window import CHUNK_SIZE, CHUNKS, TAIL_MIN, Window, last_message_id, merge, pending_ids, \
    prepend, split


def _message(n: int, status: str = "delivered") -> ConversationItem:
    return ConversationItem(key=f"m{n}", kind="message", author="customer", body=f"Message {n}",
                            delivery_status=status)


def _grown(window: Window, first: int, count: int) -> Window:
    for n in range(first, first + count):
        window = merge(window, [_message(n)])
    return window


def test_a_full_live_end_is_sealed_into_a_chunk_and_keeps_its_newest_messages():
    window = split([_message(n) for n in range(10)])
    earlier = window.earlier
    window = _grown(window, 10, CHUNK_SIZE + 1)
    assert [slot for slot, _ in window.chunks] == [0]
    assert len(window.tail) == TAIL_MIN + 1 and window.earlier is earlier and not window.trimmed
    assert [item.body for item in window.shown()] == [f"Message {n}" for n in range(10 + CHUNK_SIZE + 1)]


def test_a_status_change_replaces_its_message_in_its_chunk_and_leaves_the_other_pieces_alone():
    window = _grown(split([_message(1, "queued")]), 2, 2 * CHUNK_SIZE + TAIL_MIN)
    assert pending_ids(window) == [1]
    before = window
    window = merge(window, [_message(1, "sent")])
    [(slot, first), (other_slot, second)] = window.chunks
    assert first[0].delivery_status == "sent" and second is before.chunks[1][1] and window.tail == before.tail
    assert pending_ids(window) == [] and len(window.shown()) == len(before.shown())


def test_once_every_slot_is_taken_the_oldest_piece_and_earlier_leave_and_the_window_says_so():
    window = split([_message(n) for n in range(20)])
    window = _grown(window, 20, CHUNKS * CHUNK_SIZE + TAIL_MIN)
    assert len(window.chunks) == CHUNKS and window.earlier and not window.trimmed
    oldest_slot, trims = window.chunks[0][0], []
    for n in range(20 + CHUNKS * CHUNK_SIZE + TAIL_MIN, 20 + (CHUNKS + 1) * CHUNK_SIZE + TAIL_MIN):
        window = merge(window, [_message(n)])
        trims.append(window.trimmed)
    assert trims.count(True) == 1 and window.earlier == [] and len(window.chunks) == CHUNKS
    assert window.chunks[-1][0] == oldest_slot  # its slot is reused by the newest piece
    shown = [int(item.key[1:]) for item in window.shown()]
    assert shown == list(range(shown[0], shown[0] + len(shown))) and shown[-1] == last_message_id(window)


def test_an_earlier_page_goes_before_everything_held():
    window = _grown(split([_message(n) for n in range(50, 60)]), 60, CHUNK_SIZE + 1)
    window = prepend(window, [_message(n) for n in range(40, 50)])
    assert [int(item.key[1:]) for item in window.shown()] == list(range(40, 60 + CHUNK_SIZE + 1))


def test_hundreds_of_messages_keep_the_live_end_short_and_the_window_bounded():
    window, seals = Window([], []), 0
    for n in range(1, 400):
        before = window.chunks
        window = merge(window, [_message(n)])
        seals += window.chunks != before
        assert len(window.tail) <= TAIL_MIN + CHUNK_SIZE
        assert len(window.shown()) <= (CHUNKS + 1) * CHUNK_SIZE + TAIL_MIN
    # the first when the live end overflows, then one sealed piece per CHUNK_SIZE messages, never one per message
    assert seals == (399 - (TAIL_MIN + CHUNK_SIZE + 1)) // CHUNK_SIZE + 1
    assert window.tail[-1].body == "Message 399"
