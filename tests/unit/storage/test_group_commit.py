"""Group commit: concurrent calls share writes; a bad item fails alone."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from lanner.storage.batching import GroupCommit


async def test_calls_made_during_a_write_share_the_next_one() -> None:
    batches: list[list[int]] = []
    gate = asyncio.Event()

    async def write_many(items: Sequence[int]) -> list[int]:
        batches.append(list(items))
        if len(batches) == 1:
            await gate.wait()  # the first write is slow: the others queue meanwhile
        return [item * 10 for item in items]

    group: GroupCommit[int, int] = GroupCommit(write_many)
    first = asyncio.create_task(group.add(1))
    await asyncio.sleep(0)
    others = [asyncio.create_task(group.add(n)) for n in (2, 3, 4)]
    await asyncio.sleep(0)
    gate.set()
    assert await first == 10
    assert [await task for task in others] == [20, 30, 40]
    assert batches == [[1], [2, 3, 4]]


async def test_a_failing_item_fails_alone() -> None:
    async def write_many(items: Sequence[int]) -> list[int]:
        if 13 in items:
            raise ValueError("unlucky")
        return list(items)

    group: GroupCommit[int, int] = GroupCommit(write_many)
    results = await asyncio.gather(*(group.add(n) for n in (12, 13, 14)), return_exceptions=True)
    assert results[0] == 12 and results[2] == 14
    assert isinstance(results[1], ValueError)


async def test_batches_are_capped() -> None:
    sizes: list[int] = []

    async def write_many(items: Sequence[int]) -> list[int]:
        sizes.append(len(items))
        await asyncio.sleep(0)
        return list(items)

    group: GroupCommit[int, int] = GroupCommit(write_many, max_batch=3)
    assert await asyncio.gather(*(group.add(n) for n in range(8))) == list(range(8))
    assert max(sizes) <= 3 and sum(sizes) == 8


@pytest.mark.parametrize("count", [1, 50])
async def test_every_caller_gets_its_own_result(count: int) -> None:
    async def write_many(items: Sequence[int]) -> list[int]:
        return [item + 1 for item in items]

    group: GroupCommit[int, int] = GroupCommit(write_many)
    assert await asyncio.gather(*(group.add(n) for n in range(count))) == [n + 1 for n in range(count)]
