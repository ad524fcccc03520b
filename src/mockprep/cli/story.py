"""`mockprep story ...`: list, show, check, link and export STAR stories.

Every save is a new version committed at once; writing one (``story new``, ``story edit``) is
:mod:`mockprep.cli.story_drafts`, rehearsing one :mod:`mockprep.cli.rehearse`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from mockprep.cli.app import UserError, story_app
from mockprep.cli.completion import complete_behavioral_keys, complete_stories
from mockprep.cli.context import (
    STDOUT,
    keep_rescue_file,
    make_console,
    note,
    open_store,
    output_stream,
    plain,
    utc_now,
    warn,
)
from mockprep.cli.models import LlmOption, ModelOption, chosen_model, llm_settings, unasked
from mockprep.cli.options import Force, Output, OutSpelling, output_file

if TYPE_CHECKING:
    from mockprep.core.records import StoryVersion
    from mockprep.core.stories import StoryDraft
    from mockprep.db.store import Store

StoryId = Annotated[
    int,
    typer.Argument(
        metavar="ID", help="The story's id (see mockprep story list).", autocompletion=complete_stories
    ),
]
QuestionKey = Annotated[
    str,
    typer.Argument(
        metavar="QUESTION-KEY",
        help="e.g. core-skills/explain-model-to-non-experts, or just its id when no other bank uses it",
        autocompletion=complete_behavioral_keys,
    ),
]


def latest_version(store: Store, story_id: int) -> StoryVersion:
    version = store.stories.version(story_id)
    if version is None:
        raise UserError(f"no story with id {story_id} (see mockprep story list)")
    return version


@story_app.command("list")
def story_list() -> None:
    """Every story: title, competencies, last edit, check score, times rehearsed."""
    from mockprep.terminal.stories import render_story_list

    store = open_store(sync=False)
    try:
        listings = store.stories.listing()
    finally:
        store.close()
    render_story_list(make_console(), listings)


@story_app.command("show")
def story_show(
    story_id: StoryId,
    version: Annotated[
        int | None, typer.Option("--version", "-v", metavar="V", help="Show this version.")
    ] = None,
) -> None:
    """A story in full, with its links and its latest rehearsals."""
    from mockprep.cli.rehearse import show_story

    show_story(story_id, version)


@story_app.command("history")
def story_history(story_id: StoryId) -> None:
    """Every saved version of a story."""
    from mockprep.terminal.stories import render_story_history

    store = open_store(sync=False)
    try:
        latest_version(store, story_id)
        versions = store.stories.versions(story_id)
    finally:
        store.close()
    render_story_history(make_console(), versions)


@story_app.command("diff")
def story_diff(
    story_id: StoryId,
    old: Annotated[
        int | None,
        typer.Argument(metavar="V1", help="Older version (default: the one V2 was edited from)."),
    ] = None,
    new: Annotated[
        int | None, typer.Argument(metavar="V2", help="Newer version (default: the latest).")
    ] = None,
) -> None:
    """What changed between two drafts (default: the latest and the version it was edited from)."""
    from mockprep.core.stories import diff_drafts
    from mockprep.core.story_tree import StoryTree
    from mockprep.terminal.stories import render_diff
    from mockprep.terminal.story_forks import diff_note

    store = open_store(sync=False)
    try:
        latest = latest_version(store, story_id).version
        tree = StoryTree.of(store.stories.versions(story_id))
        new_v = new if new is not None else latest
        old_v = old if old is not None else (tree.parent(new_v) or new_v - 1)
        versions = {v: store.stories.version(story_id, v) for v in (old_v, new_v)}
    finally:
        store.close()
    if old is None and (told := diff_note(tree, story_id, new_v)) is not None:
        note(told)  # (on stderr: the diff itself stays a patch)
    if latest == 1 and old is None:
        typer.echo(f"Story {story_id} has only one version so far.")
        return
    found = {}
    for v, shown in versions.items():
        if shown is None:
            has = "only version 1" if latest == 1 else f"versions 1 to {latest}"
            raise UserError(f"story {story_id} has no version {v} (it has {has})")
        found[v] = shown.draft
    lines = diff_drafts(found[old_v], found[new_v], f"version {old_v}", f"version {new_v}")
    console = make_console()
    if not lines:
        console.print(f"Versions {old_v} and {new_v} are the same.")
        return
    render_diff(console, lines)


@story_app.command("delete")
def story_delete(
    story_id: StoryId,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete a story with all its versions, links and rehearsals (asks first); its latest draft is
    kept in a file, from which story new --from brings it back."""
    from mockprep.core.stories import render_markdown

    store = open_store(sync=False)
    try:
        latest = latest_version(store, story_id)
        if not yes:
            from mockprep.terminal.input import stdin_reader

            versions = "its only version" if latest.version == 1 else f"all {latest.version} versions"
            prompt = f"Delete story {story_id} '{latest.draft.title}' and {versions}? [y/N] "
            answer = stdin_reader(make_console(), utc_now)(plain(prompt), None)
            if (answer or "").strip().lower() not in ("y", "yes"):
                typer.echo("Not deleted.")
                return
        # An edit made after the day's backup was gone for good: the latest draft is kept first, as
        # text that could not be saved is (a delete that cannot keep it deletes nothing).
        try:
            kept = keep_rescue_file(f"deleted-story-{story_id}", render_markdown(latest.draft), utc_now())
        except OSError as exc:
            raise UserError(
                f"could not keep a copy of story {story_id} ({exc.strerror}); nothing was deleted", 1
            ) from None
        try:
            store.stories.delete(story_id)
        except BaseException:
            kept.unlink(missing_ok=True)  # (the story is still there)
            raise
    finally:
        store.close()
    typer.echo(
        f"Deleted story {story_id}. Its latest draft is kept in {kept}: mockprep story new --from {kept} "
        "brings it back as a new story (without its earlier versions, links and rehearsals)."
    )


@story_app.command("check")
def story_check(story_id: StoryId, llm: LlmOption = None, model: ModelOption = None) -> None:
    """Score a story against the STAR rubric, with advice item by item.

    With --llm, a language model's feedback on each rubric item follows; it never changes the score."""
    from mockprep.core.story_check import check_story
    from mockprep.terminal.stories import render_check

    store = open_store(sync=False)
    try:
        draft = latest_version(store, story_id).draft
    finally:
        store.close()
    check = check_story(draft)
    console = make_console()
    render_check(console, draft.title, check)
    settings, llm = llm_settings(llm, model)
    chosen = chosen_model(settings, llm, going_on="the rubric's check above stands")
    if chosen is not None:
        _story_feedback(console, chosen, draft, check, settings.llm_timeout_seconds)
    unasked(llm, chosen)


def _story_feedback(console: Any, model: Any, draft: StoryDraft, check: Any, timeout: float) -> None:
    from mockprep.core.llm_grading import ModelReplyError
    from mockprep.services.llm_grader import story_feedback
    from mockprep.terminal.stories import render_story_feedback

    try:
        feedback, seconds = story_feedback(model, draft, check, timeout)
    except ModelReplyError as exc:
        warn(f"{model.model_id} gave no feedback ({exc}); the rubric's check above stands")
        return
    render_story_feedback(console, model.model_id, seconds, feedback)


PROJECT_FACTS = (
    ". Keep your own project's facts as a bank of your own project questions with your own model answers"
    ' (round = "project"; see "Writing your own bank" in the README) and add it: mockprep bank add FILE'
)


def _behavioral_key(store: Store, ref: str) -> str:
    """The full key of the behavioral question ``ref`` names (its key, or its id when unique, or when
    only one of the questions with that id is a behavioral one: the only one a story can link to)."""
    from mockprep.cli.questions import resolve_key

    ref = ref.strip()
    found = store.questions.candidates(ref) if "/" not in ref else []
    if len(found) > 1:  # "in 2 banks" refused core-skills/offline-online-gap beside a technical one
        behavioral = [(key, retired) for key, retired in found if _round(store, key) == "behavioral"]
        active = [key for key, retired in behavioral if not retired]
        if len(active) == 1 or len(behavioral) == 1:
            return active[0] if len(active) == 1 else behavioral[0][0]
    key = resolve_key(store, ref)
    record = store.banks.question_by_key(key)
    assert record is not None
    if record.question.round != "behavioral":
        facts = PROJECT_FACTS if record.question.round == "project" else ""
        round = record.question.round
        raise UserError(f"{key} is a {round} question; stories answer behavioral questions{facts}")
    return key


def _round(store: Store, key: str) -> str | None:
    record = store.banks.question_by_key(key)
    return None if record is None else record.question.round


@story_app.command("link")
def story_link(story_id: StoryId, question: QuestionKey) -> None:
    """Record that a story answers a behavioral question."""
    store = open_store()
    try:
        latest_version(store, story_id)
        question = _behavioral_key(store, question)
        added = store.stories.link(story_id, question, utc_now())
    finally:
        store.close()
    typer.echo(
        plain(
            f"Linked story {story_id} to {question}."
            if added
            else f"Story {story_id} was already linked to {question}."
        )
    )


@story_app.command("unlink")
def story_unlink(story_id: StoryId, question: QuestionKey) -> None:
    """Remove a link between a story and a question."""
    store = open_store(sync=False)
    try:
        latest_version(store, story_id)
        removed = store.stories.unlink(story_id, question, utc_now())
        linked = [key for _story, key in store.stories.links(story_id) if key.partition("/")[2] == question]
        if not removed and len(linked) == 1:  # an id several banks use: the one this story is linked to
            question = linked[0]
            removed = store.stories.unlink(story_id, question, utc_now())
        elif not removed and "/" not in question:
            from mockprep.cli.questions import resolve_key

            question = resolve_key(store, question)
            removed = store.stories.unlink(story_id, question, utc_now())
    finally:
        store.close()
    if not removed:
        raise UserError(plain(f"story {story_id} is not linked to {question}"))
    typer.echo(plain(f"Unlinked story {story_id} from {question}."))


@story_app.command("matrix")
def story_matrix(
    all_: Annotated[
        bool, typer.Option("--all", help="List every uncovered question, not just the first 15.")
    ] = False,
) -> None:
    """Competencies × stories, and the behavioral questions and competencies no story covers yet."""
    from mockprep.core.bank_records import COMPETENCIES
    from mockprep.core.story_matrix import story_matrix as build
    from mockprep.terminal.stories import render_matrix

    store = open_store()
    try:
        stories = [(listing.latest.story_id, listing.latest.draft) for listing in store.stories.listing()]
        matrix = build(stories, store.stories.links(), store.banks.behavioral_questions(), COMPETENCIES)
    finally:
        store.close()
    render_matrix(make_console(), matrix, all_)


@story_app.command("export")
def story_export(output: Output = None, out: OutSpelling = None, force: Force = False) -> None:
    """All stories as one Markdown document (story new --from FILE adds each of them)."""
    output = output_file(output, out)
    from mockprep.core.stories import printable, render_document
    from mockprep.core.wording import plural

    store = open_store(sync=False)
    try:
        listings = store.stories.listing()
    finally:
        store.close()
    # A document to read (cat stories.md), so without escape sequences and control characters wherever
    # it goes, as history --csv: a file kept them and ran them in the terminal that showed it (found by
    # an exploratory tester). The JSON of `mockprep export` keeps every text as stored; story new --from
    # this document leaves out a story whose text, so written, is here already.
    document = render_document([printable(listing.latest.draft) for listing in listings])
    with output_stream(output, force) as handle:
        handle.write(document)
    if output is not None and output != STDOUT:  # "-" is standard output, as for export and history
        typer.echo(plain(f"Wrote {plural(len(listings), 'story')} to {output}"), err=True)
