"""The namespace files editor on the Namespaces page: open a file in Monaco, edit and save it,
create, upload, rename and delete files, every change read back through the API."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
from playwright.async_api import Page, expect

from ..live_server import LiveServer
from .monaco import wait_for_text

Shot = Callable[[str], Awaitable[Path]]
FILES = "/api/v1/namespaces/company.team/files"


async def test_edit_create_rename_delete(page: Page, server: LiveServer, shot: Shot, tmp_path: Path) -> None:
    async with httpx.AsyncClient(base_url=server.url) as http:
        put = await http.post(FILES, params={"path": "scripts/etl.py"}, files={"fileContent": ("etl.py", b"print('hi')\n")})
        assert put.status_code == 200

        async def content(path: str) -> str | None:
            found = await http.get(FILES, params={"path": path})
            return found.text if found.status_code == 200 else None

        await page.goto("/ui/namespaces/company.team")
        tree = page.get_by_test_id("files-tree")
        await tree.get_by_role("button", name="scripts/").click()
        await tree.get_by_role("button", name="etl.py").click()
        await wait_for_text(page, "print('hi')")
        await expect(page.locator("[data-testid=file-editor] .monaco-editor .mtk1").first).to_be_visible()

        # edit and save (Ctrl+S): the file changed on the server
        await page.locator(".monaco-editor .view-lines").click()
        await page.keyboard.press("Control+End")
        await page.keyboard.type("print('bye')")
        await expect(page.get_by_text("modified")).to_be_visible()
        await page.keyboard.press("Control+s")
        await expect(page.get_by_text("saved", exact=True)).to_be_visible()
        assert await content("scripts/etl.py") == "print('hi')\nprint('bye')"
        await shot("namespace-files")

        # a new file beside the selected one, then renamed into a new folder
        await page.get_by_role("button", name="New file").click()
        await page.get_by_label("New file in /scripts").fill("notes.md")
        await page.get_by_role("button", name="Create", exact=True).click()
        await expect(page.get_by_test_id("open-file")).to_have_text("scripts/notes.md")
        assert await content("scripts/notes.md") == ""
        await page.get_by_role("button", name="Rename / move").click()
        await page.get_by_label("New path of scripts/notes.md").fill("docs/readme.md")
        await page.get_by_role("button", name="Move", exact=True).click()
        await expect(tree.get_by_role("button", name="readme.md")).to_be_visible()
        assert await content("docs/readme.md") == "" and await content("scripts/notes.md") is None

        # upload into the selected file's folder
        (tmp_path / "data.csv").write_text("a,b\n1,2\n")
        (tmp_path / "logo.bin").write_bytes(b"\x89PNG\x00\xff")
        await page.get_by_test_id("files-upload").set_input_files([tmp_path / "data.csv", tmp_path / "logo.bin"])
        await expect(tree.get_by_role("button", name="data.csv")).to_be_visible()
        assert await content("docs/data.csv") == "a,b\n1,2\n"
        await tree.get_by_role("button", name="logo.bin").click()  # shown, never edited
        await expect(page.get_by_text("This is not a text file")).to_be_visible()

        # delete a file, then a folder with its content
        await tree.get_by_role("button", name="etl.py").click()
        page.once("dialog", lambda dialog: dialog.accept())
        await page.get_by_role("button", name="Delete", exact=True).click()
        await expect(tree.get_by_role("button", name="etl.py")).to_have_count(0)
        assert await content("scripts/etl.py") is None
        await tree.get_by_role("button", name="docs/").click()
        page.once("dialog", lambda dialog: dialog.accept())
        await page.get_by_role("button", name="Delete", exact=True).click()
        await expect(tree.get_by_role("button", name="docs/")).to_have_count(0)
        listing = await http.get(f"{FILES}/directory")
        assert [entry["fileName"] for entry in listing.json()] == ["scripts"]
