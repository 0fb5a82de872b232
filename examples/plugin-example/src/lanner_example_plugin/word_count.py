"""WordCount: an example task type, written only with Lanner's public task API."""

from __future__ import annotations

import re
from collections import Counter
from typing import Literal

from pydantic import Field

from lanner.errors import TaskFailure
from lanner.tasks.base import Output, RunnableTask
from lanner.tasks.context import RunContext

_WORD = re.compile(r"[\w']+")


class WordCount(RunnableTask):
    """Count the words and lines of a text, or of a file in internal storage.

    Outputs `words`, `lines` and `top`, the `topN` most frequent words with their counts.
    """

    # The first name is canonical; more names would be aliases (that is how Kestra names are accepted).
    type: Literal["example.text.WordCount"]
    text: str = Field(
        description="The text to count, or the internal storage URI of a file (`{{ outputs.download.uri }}`).",
        examples=["{{ outputs.extract.uri }}", "to be or not to be"],
    )
    minLength: int = Field(default=1, ge=1, description="Words shorter than this are not counted.")
    topN: int = Field(default=3, ge=0, le=100, description="How many of the most frequent words `top` lists.")

    async def run(self, ctx: RunContext) -> Output:
        text = str(await ctx.render(self.text))
        if text.startswith(("lanner://", "kestra://")):
            ctx.logger.info(f"reading {text}")
            try:
                text = (await ctx.storage.get_bytes(text)).decode("utf-8")
            except UnicodeDecodeError as exc:
                raise TaskFailure(f"{self.text!r} is not UTF-8 text", retryable=False) from exc
        words = [w.lower() for w in _WORD.findall(text) if len(w) >= self.minLength]
        counts = Counter(words)
        ctx.metric("words", len(words))
        ctx.logger.info(f"{len(words)} word(s), {len(counts)} distinct")
        return {
            "words": len(words),
            "lines": len(text.splitlines()),
            "top": [{"word": word, "count": count} for word, count in counts.most_common(self.topN)],
        }
