import os

from recommend.parallel import fork_map


def _scaled(shared, item):
    scale, offset = shared["scale"], shared["offset"]()  # a lambda: fork hands it over, pickling could not
    return item * scale + offset, os.getpid()


def test_fork_map_is_the_in_process_map_in_order():
    shared = {"scale": 3, "offset": lambda: 1}
    items = list(range(37))
    forked = fork_map(_scaled, items, 2, shared)
    alone = fork_map(_scaled, items, 1, shared)
    assert [v for v, _ in forked] == [v for v, _ in alone] == [3 * i + 1 for i in items]
    assert {pid for _, pid in alone} == {os.getpid()}
    assert os.getpid() not in {pid for _, pid in forked}  # the work ran in the workers


def test_fork_map_with_one_item_or_none_stays_in_process():
    assert fork_map(_scaled, [5], 8, {"scale": 2, "offset": lambda: 0}) == [(10, os.getpid())]
    assert fork_map(_scaled, [], 8, None) == []
