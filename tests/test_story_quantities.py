"""What counts as a quantified Result: the development set the rule of core/quantities.py was made on.

A coach calls a Result quantified when it says how much of something changed or was reached: a
percentage, a multiplier, money, a duration, a count of a thing, a from→to change or a measured value.
A year, a date, a time of day, a version, a label, an ordinal or a name's digits quantify nothing, nor
does a metric named without how much it moved ("measured by weekly active teams").

Each row is a Result sentence and the words the check must quote as its quantity (a part of the
sentence), or None where a coach would say nothing in it is quantified. The set was written for this
rule, a few sentences after the exploratory tester's probes (/tmp/star/repro/probe_*.md) but most
not; add a sentence here before changing the rule for it.
"""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockprep.core.quantities import find_quantity, non_quantities
from mockprep.core.stories import StoryDraft
from mockprep.core.story_check import check_story

QUANTIFIED = [
    # percentages and points
    ("Latency fell by 40% after the rollout.", "40%"),
    ("Customer churn fell 3 percentage points over the year.", "3 percentage points"),
    ("Since the 2024 launch, GPU hours fell 30 percent.", "30 percent"),
    ("NPS went up 12 points in one quarter.", "12 points"),
    ("We hit 99.9% uptime for the quarter.", "99.9%"),
    ("Error rate dropped −20% at p99.", "−20%"),
    ("Python 3 migration finished with 98% of tests passing.", "98%"),
    # multipliers
    ("Training ran 3x faster on the same hardware.", "3x"),
    ("Throughput doubled without new hardware.", "doubled"),
    ("Onboarding time was halved.", "halved"),
    ("The new cache handles twice the traffic.", "twice"),
    ("Sign-ups grew tenfold over the summer.", "tenfold"),
    ("The on-call load fell by half.", "half"),
    ("Inference cost dropped by an order of magnitude.", "order of magnitude"),
    ("Support tickets about search fell by a third.", "a third"),
    # money
    ("We saved $2M a year in cloud spend.", "$2M"),
    ("Revenue from the feature reached €300k in its first year.", "€300k"),
    ("We finished about 40,000 dollars under budget.", "40,000 dollars"),
    # durations
    ("The model shipped two weeks ahead of schedule.", "two weeks"),
    ("The migration took an hour instead of a day.", "an hour"),
    ("Reviews now take 15 minutes instead of an afternoon.", "15 minutes"),
    ("Hiring time dropped by a week.", "a week"),
    ("The p95 latency is now under 200ms.", "200ms"),
    # counts of something
    ("Three other teams adopted the library.", "Three other teams"),
    ("There were zero killed jobs in the following month.", "zero killed jobs"),
    ("It now serves 5,000 users a day.", "5,000 users"),
    ("Our app passed 1M downloads.", "1M"),
    ("Eight of the ten benchmarks improved.", "Eight"),
    ("We cut the backlog by 300 tickets in a sprint.", "300 tickets"),
    ("Twenty-five teams use it today.", "Twenty-five teams"),
    ("Dozens of teams now rely on it.", "Dozens"),
    ("9 out of 10 reviewers preferred the new ranking.", "9 out of 10"),
    ("In 2023 the pipeline processed 1.2 trillion tokens.", "1.2 trillion tokens"),
    # a value that changed or was reached
    ("F1 rose from 0.71 to 0.78 on the held-out set.", "0.71"),
    ("Median queue wait fell from 9 hours to 2 hours.", "9 hours"),
    ("Build times went from 40 to 12 minutes.", "40"),
    ("Complaints dropped to zero.", "zero"),
    ("Accuracy reached 0.92 on the audit set.", "0.92"),
    ("The tool scores 4.8/5 in the internal survey.", "4.8/5"),
    ("On March 3 we cut the on-call pages from 50 a week to 6.", "50"),
    ("Deploys went from monthly to daily.", "from monthly to daily"),  # how often, a coach accepts
    # an independent reviewer's sentences (labelled before they were run), and a count that looks
    # like a year: a change word or a counted noun makes it a count
    ("Our user base grew by 2000 users in six months.", "2000 users"),
    ("Sign-ups grew by 2000 users.", "2000 users"),
    ("We worked through a backlog of 2000 tickets.", "2000 tickets"),
    ("We now have 2048 active users.", "2048 active users"),
    ("Users grew to 2000.", "2000"),
    ("Conversions hit 2010 that week.", "2010"),
    ("We closed 300+ tickets in a sprint.", "300+ tickets"),
    ("The team resolved 1,000+ tickets.", "1,000+ tickets"),
    ("The hospital cut average ER wait from forty minutes to twelve.", "forty minutes"),
    ("Page load went from 3.2s to 1.1s on mobile.", "3.2s"),
    ("We closed 14 of the 17 open audit findings before the deadline.", "14"),
    ("The donation drive raised £12,500 for the shelter.", "£12,500"),
    ("Retention at day 30 improved by 5 pts.", "5 pts"),
    ("The client renewed a 3-year contract worth 1.4 million euros.", "1.4 million euros"),
    ("Onboarding now takes under a day, down from a full week.", "a day"),
    ("The warehouse now handles 18k orders per day.", "18k"),
    ("Cost per acquisition dropped by a quarter.", "a quarter"),
    ("I mentored two junior analysts who were both promoted within a year.", "two junior analysts"),
]

NOT_QUANTIFIED = [
    # a metric named without how much it moved: a coach asks "by how much?"
    "Adoption, measured by weekly active teams, kept growing.",
    "Proxy: the number of pages the on-call got dropped.",
    "Success was measured in smiles.",
    # the length of what was done, not an outcome; a time in the story, not a duration
    "A 15-minute daily sync replaced the status meetings.",
    "A week later my manager thanked me for it.",
    "One day the VP stopped by to say the launch went well.",
    "A year later the tool is still in use.",
    # a year where the words say a time
    "The paper was accepted at NeurIPS 2024 as an oral.",
    "The release went out in Q2 2025 after the SOC 2 audit.",
    "It ran from 2019 to 2021 without an outage.",
    "We had it done by 2025, as promised.",
    # sizes and names, not outcomes
    "We now stream 4K video to smart TVs.",
    "We fine-tuned a 70B model for the legal team.",
    "A 1B proxy model stood in for the big one.",
    "We set up a reverse proxy and the site became more stable.",
    "The proxy team took over the on-call.",
    "We doubled down on testing and the launch went smoothly.",
    "We were featured in the Top 100 startups list.",
    "The patch shipped in build 1432 and crashes stopped.",
    "The team celebrated our 10th anniversary with the new product.",
    "Room 204 became the new war room for the launch.",
    "Customer complaints fell sharply and morale improved.",
    # years and decades
    "The new service launched in 2024 and product managers stopped complaining.",
    "It went live in early 2023, to great feedback.",
    "We won the 2023 best paper award at the workshop.",
    "We presented it at PyCon 2024 and got good questions.",
    "Since 2021 no one has had to touch it.",
    "Leadership compared it to the big rewrite of the 1990s.",
    "My manager mentioned it in my review at the end of Q3 2023.",
    # dates and times of day
    "It shipped on March 3 and everyone was relieved.",
    "We released it on 3 March, just before the conference.",
    "By the 3rd sprint everyone used it.",
    "The rollout finished on 2024-05-17.",
    "The fix went out at 9:30 on Monday and stability improved.",
    "The first version went out on 12/05.",
    "It shipped by 5pm the same day, which the client noticed.",
    # versions and labels
    "We moved everything to Python 3 and never looked back.",
    "The app now runs on iOS 17 and Android 14.",
    "After the upgrade to Postgres 15 the team stopped paging me.",
    "We switched to version 2 of the API.",
    "We migrated to Kubernetes 1.29 and retired the old cluster.",
    "Python 3.11.4 is now the default interpreter everywhere.",
    "The fix landed in release 4.2 and users stopped reporting the bug.",
    "The feature shipped in the 2.3 release.",
    "We now deploy on Windows 11 laptops across the company.",
    "Team 7 took over the service in Phase 2.",
    "Level 3 support no longer escalates these issues.",
    "On day 1 of the launch the dashboards looked healthier.",
    "The team adopted it as the default from sprint 14 onwards.",
    # names with digits
    "It was the main infra win presented at the Q4 all-hands.",
    "p99 latency improved a lot after the move to H100s.",
    "Swapping in ResNet-50 made the demos look much better.",
    "Our model went from GPT-3 quality to GPT-4 quality, according to the team.",
    "The 2FA rollout and the new 3D viewer both landed.",
    "Support now covers it 24/7.",
    "Weekly 1:1s with the PM made the roadmap clearer.",
    # ordinals and no number at all
    "The third attempt worked, in a fifth region.",
    "It was the one project my manager praised in my review.",
    "Everyone was happy and the model worked much better.",
    "The team adopted it as the default with no complaints.",
    "Things improved significantly and stakeholders were pleased.",
    "It became the default for the whole company that year.",
]


def test_the_development_set_is_large_and_varied() -> None:
    assert len(QUANTIFIED) + len(NOT_QUANTIFIED) >= 40
    assert len(QUANTIFIED) >= 20 and len(NOT_QUANTIFIED) >= 20


@pytest.mark.parametrize(("result", "quantity"), QUANTIFIED)
def test_a_quantified_result_is_found_and_its_quantity_quoted(result: str, quantity: str) -> None:
    assert quantity in result  # (the row is well formed)
    assert find_quantity(result) == quantity


@pytest.mark.parametrize("result", NOT_QUANTIFIED)
def test_a_year_date_version_or_name_is_no_quantity(result: str) -> None:
    assert find_quantity(result) is None


STORY = StoryDraft(
    title="Faster search",
    situation="In my last role I worked on a ranking team with four engineers on a slow search service.",
    task="I owned the inference service and had to make search results faster without losing relevance.",
    action="I profiled the service, found the tokenizer was the bottleneck, and I rewrote it in Rust.",
    result="",
)


@pytest.mark.parametrize(
    ("result", "named"),
    [
        ("The new service launched in 2024 and complaints stopped.", "'2024' is a year"),
        ("It shipped on March 3 and was presented at the all-hands.", "'March 3' is a date"),
        ("We moved everything to Python 3 and the team adopted it.", "'Python 3' is a version or label"),
    ],
)
def test_the_check_says_why_a_number_in_the_result_is_no_quantity(result: str, named: str) -> None:
    """The tester's probes: each scored 20/20 as "quantified ('2024')"; now none earns the item, and the
    advice says what the number is instead of claiming the Result has none."""
    item = {i.name: i for i in check_story(dataclasses.replace(STORY, result=result)).items}[
        "quantified-result"
    ]
    assert not item.passed and item.points == 0
    assert named in item.message


def test_non_quantities_say_what_each_number_is() -> None:
    kinds = {n.text: n.kind for n in non_quantities("In 2024, on March 3, we moved to Python 3.11 at 9:30.")}
    assert kinds == {
        "2024": "a year",
        "March 3": "a date",
        "Python 3.11": "a version or label",
        "9:30": "a time of day",
    }


_MONTH = st.sampled_from(["January", "March", "May", "September", "Dec"])


@given(st.integers(1900, 2099))
def test_a_year_is_never_a_quantity(year: int) -> None:
    for text in (f"It launched in {year}.", f"Since {year} the tool has been the default.", f"Q4 {year}"):
        assert find_quantity(text) is None, text


@given(st.integers(1900, 2099))
def test_a_year_like_number_is_a_count_where_a_change_word_or_a_counted_noun_says_so(n: int) -> None:
    """The reviewer's find: "grew by 2000 users" and "grew to 2000" were read as years."""
    for text, quoted in (
        (f"Sign-ups grew by {n} users.", f"{n} users"),
        (f"We cleared a backlog of {n} tickets.", f"{n} tickets"),
        (f"Daily users grew to {n}.", f"{n}"),
        (f"We now have {n} active users.", f"{n} active users"),
    ):
        assert find_quantity(text) == quoted, text
    assert find_quantity(f"It ran from {n} to {n} without a change.") is None


@given(_MONTH, st.integers(1, 31))
def test_a_date_is_never_a_quantity(month: str, day: int) -> None:
    for text in (f"It shipped on {month} {day}.", f"We released it on {day} {month} to everyone."):
        assert find_quantity(text) is None, text


@given(st.sampled_from(["Python", "iOS", "version", "Postgres", "release"]), st.integers(0, 40))
def test_a_version_is_never_a_quantity(name: str, number: int) -> None:
    assert find_quantity(f"We moved everything to {name} {number} and the team adopted it.") is None


@given(
    st.integers(0, 10**6),
    st.sampled_from(
        ["{n}%", "{n}x faster", "${n}", "{n} hours", "{n} fewer incidents", "rose by {n} points"]
    ),
)
def test_any_number_with_a_unit_or_a_noun_is_a_quantity(number: int, form: str) -> None:
    written = form.format(n=number)
    quantity = find_quantity(f"After the change, {written} overall.")
    assert quantity is not None and str(number) in quantity


# How long the work took is no result; a time compared or changed is (found by an exploratory tester:
# "The baseline took two weeks to run, and a reviewer praised it." earned 20/20 as quantified).
TIME_TAKEN = [
    "The baseline took two weeks to run, and a reviewer praised it.",
    "I ran the full baseline over three weeks and my advisor signed off.",
    "The project lasted six months and the paper was accepted.",
    "After two months of work the model shipped to the pilot customers.",
    "We spent 10 hours a week on the rewrite and the team liked it.",
    "The query took 200ms, and the dashboard loaded.",
    "Each build took up to 2 hours, which the team accepted.",
    "Latency dropped in four weeks and users noticed.",
]
TIME_AS_OUTCOME = [
    ("We cut review time by two weeks.", "two weeks"),
    ("Review time went from three days to one.", "three days"),
    ("Each run took 3 hours instead of 9.", "3 hours"),
    ("The pipeline now takes 20 minutes end to end.", "20 minutes"),
    ("The rewrite saved 10 hours a week across the team.", "10 hours"),
    ("The launch took a week less than planned.", "a week"),
    ("We shipped two days early, which the client noticed.", "two days"),
]


@pytest.mark.parametrize("result", TIME_TAKEN)
def test_how_long_the_work_took_is_no_quantity(result: str) -> None:
    assert find_quantity(result) is None
    assert any(n.kind == "how long something took" for n in non_quantities(result))


@pytest.mark.parametrize(("result", "quantity"), TIME_AS_OUTCOME)
def test_a_time_that_changed_or_is_compared_is_a_quantity(result: str, quantity: str) -> None:
    assert find_quantity(result) == quantity


_SPAN = st.tuples(
    st.one_of(st.integers(2, 90).map(str), st.sampled_from(["two", "three", "five", "twelve", "forty"])),
    st.sampled_from(["minutes", "hours", "days", "weeks", "months", "sprints"]),
).map(" ".join) | st.sampled_from(["an hour", "a day", "a week", "a month", "one year", "90ms", "3h"])


@given(
    _SPAN,
    st.sampled_from(
        [
            "The migration took {d} to finish, and my manager thanked me.",
            "I spent {d} on the rewrite; the team adopted it.",
            "Over {d} I rebuilt the pipeline and the reviewers liked it.",
            "The study lasted {d} and the paper was accepted.",
            "It shipped after {d} of work.",
        ]
    ),
)
def test_a_duration_of_the_work_never_quantifies_a_result(span: str, form: str) -> None:
    assert find_quantity(form.format(d=span)) is None


@given(
    _SPAN,
    st.sampled_from(
        [
            "We cut the review time by {d}.",
            "Onboarding fell from {d} to a single afternoon.",
            "The release went out {d} ahead of schedule.",
            "The import now takes {d}.",
            "The retraining took {d} instead of a quarter.",
            "The new tooling saved {d} per release.",
        ]
    ),
)
def test_a_duration_that_changed_or_is_compared_quantifies_a_result(span: str, form: str) -> None:
    assert find_quantity(form.format(d=span)) == span


def test_the_check_says_how_long_the_work_took_is_no_quantity() -> None:
    result = "The baseline took two weeks to run, and a reviewer praised it."
    check = check_story(dataclasses.replace(STORY, result=result))
    item = {i.name: i for i in check.items}["quantified-result"]
    assert not item.passed and item.points == 0
    assert "'two weeks' is how long something took" in item.message


# A time set against another in its sentence is an outcome, though each says how long something took
# (found by an independent review of the rule above: "Before, onboarding took two weeks; with my guide
# it took three days." and the rows marked * found a duration before it and none after). A second
# duration in the sentence, or words of comparison, make it one: what it used to be, "than" something
# other than the duration itself, "where the SLA was 24", a change the teller made ("after my rewrite").
COMPARED = [
    ("Before, onboarding took two weeks; with my guide it took three days.", "two weeks"),  # *
    ("The nightly job, which took 9 hours, finished in 45 minutes after my rewrite.", "9 hours"),  # *
    ("Deploys used to take a day; after the pipeline they took an hour.", "a day"),  # *
    ("We launched in 3 weeks, a month earlier than planned.", "3 weeks"),  # *
    ("Support tickets were answered in 2 hours on average, where the SLA was 24.", "2 hours"),  # *
    ("Weekly reports that took analysts two days are generated in 10 minutes.", "two days"),  # *
    ("Page loads took 8 seconds; after the CDN change they took 2 seconds.", "8 seconds"),
    ("Model retraining used to take three days and now runs overnight.", "three days"),
    ("The month-end close, which took five days, took two days once I automated it.", "five days"),
    ("Onboarding a new hire took 3 weeks before my checklist and 4 days with it.", "3 weeks"),
    ("Incident triage finished in 20 minutes, against 2 hours the quarter before.", "20 minutes"),
    ("We delivered the integration in six weeks, faster than any team before us.", "six weeks"),
    ("Releases took 5 hours; with the new scripts they take 40 minutes.", "5 hours"),
    ("A full regression run lasted 6 hours until my sharding change, and 50 minutes after it.", "6 hours"),
    ("Refunds took 4 days, where the old process had taken two weeks.", "4 days"),
    ("The data export finished in 12 minutes after our index rebuild.", "12 minutes"),
    ("Each nightly backup completes in 35 minutes since our compression change.", "35 minutes"),
    ("Hiring the contractor took a month, a week later than planned.", "a month"),
    ("The audit took 3 days, far shorter than it used to take.", "3 days"),
    ("Quarterly planning took two days, not the usual five days.", "two days"),
    ("Code review previously took a week and took 2 days by March.", "a week"),
]
WORK_LENGTH = [
    "The baseline took two weeks to run, and a reviewer praised it.",  # the tester's original case
    "The migration took three months and the customer renewed.",
    "I spent two weeks on the rewrite, which my manager later praised.",
    "After the kickoff, the pilot lasted six weeks and users liked it.",
    "Our team spent a month redesigning it; the client signed off.",
    "The A/B test ran for 14 days and the variant won.",
    "Over three sprints I rebuilt the data loader, which the group adopted.",
    "I wrote the parser in two days with my teammate and it shipped.",
    "The certification took me nine months while I worked full time, and I passed.",
    "Each experiment took 6 hours on the cluster and the results held up.",
    "We used Spark to process the logs, which took 3 hours, and the report went out.",
    "A week later, the migration took two days and nobody was paged.",  # (a time in the story, one taken)
    "We spent 10 hours a week on the rewrite and the team liked it.",  # (a rate: one duration)
    "It took more than a year to get approval, and the board agreed.",  # ("than" the duration itself)
    "The hiring process lasted two months; I led every interview.",
    "In the 1990s the system took a week to install, and it still runs.",  # (a decade, no duration)
    "The pilot took a week. Then the rollout took a month, and users liked it.",  # (two sentences)
]


@pytest.mark.parametrize(("result", "quantity"), COMPARED)
def test_a_time_set_against_another_in_its_sentence_is_an_outcome(result: str, quantity: str) -> None:
    assert find_quantity(result) == quantity


@pytest.mark.parametrize("result", WORK_LENGTH)
def test_a_time_taken_alone_in_its_sentence_is_no_outcome(result: str) -> None:
    assert find_quantity(result) is None
    assert any(n.kind == "how long something took" for n in non_quantities(result))


@given(
    _SPAN,
    _SPAN,
    st.sampled_from(
        [
            "Builds took {d}; after my change they took {e}.",
            "The sync, which took {d}, finishes in {e} since our cache change.",
            "Before, the import took {d}, and it takes {e} with the new index.",
            "The import used to take {d} and is instant now.",
            "Tickets were closed in {d}, where the target was 48.",
            "We shipped in {d}, earlier than planned.",
            "The report took {d}, less than it previously did.",
        ]
    ),
)
def test_a_duration_set_against_another_quantifies_a_result(span: str, other: str, form: str) -> None:
    assert find_quantity(form.format(d=span, e=other)) == span


@given(
    _SPAN,
    st.sampled_from(
        [
            "I spent {d} on the rewrite with my team, and the client signed off.",
            "After the kickoff, the pilot ran for {d} and users liked it.",
            "A week later the migration took {d}, and nobody was paged.",
            "It took more than {d} to get approval, which the board gave.",
            "We used Spark to clean the logs over {d}; the report went out.",
            "The study took {d}. The reviewers liked it and it took a month to publish.",
        ]
    ),
)
def test_one_duration_of_the_work_in_its_sentence_never_quantifies(span: str, form: str) -> None:
    assert find_quantity(form.format(d=span)) is None


# Words of comparison count only where they compare the same thing (found by an independent review of
# the rule above: the rows marked * were quantified by it). An outcome needs a before and after, or a
# standard, of the same measured thing: "now", "instead of 9", "used to", "before ... now", a change
# verb or a difference with the duration as its amount, a change the teller made ("after my rewrite",
# not "after my manager asked"), a standard with its amount ("where the SLA was 24"), or a second time
# of what a relative clause timed. Two durations of different things, "longer than I expected",
# "whereas my teammate was on leave" are none. Each row of COMPARED and WORK_LENGTH above stays.
TWO_THINGS_OR_NOTHING_COMPARED = [
    "I spent two weeks on the design and three weeks on the build.",  # *
    "The project took six months, and I spent the first two weeks interviewing users.",  # *
    "I worked on it for three months, two days a week.",  # *
    "Over four weeks I ran the pilot, meeting the team for an hour each day.",  # *
    "The training run took 3 days and the evaluation took 5 hours.",  # *
    "After my manager asked, I spent two weeks on the migration.",  # *
    "Since our team was small, the rollout took three months.",  # *
    "I spent two weeks on it, whereas my teammate was on leave.",  # *
    "Following my proposal, we spent a month building the prototype.",  # *
    "The audit took two weeks, longer than I expected.",  # *
    "It took six weeks, more than I had hoped.",  # *
    "I led the project for a year, where I was the only engineer.",  # *
    "The migration lasted a quarter, and originally I was not on it.",  # *
    "In my first week I shadowed on-call; the rollout then took two months.",
    # mine
    "I spent three weeks on the rewrite and four days on the docs.",
    "The pilot lasted two months, while the hiring freeze was on.",
    "After my internship ended, I spent a month learning Go.",
    "Rather than wait for the vendor, I spent a week building the connector myself.",
    "The integration took three weeks, slower than I wanted.",
    "Since my arrival, the migration has taken eight months.",
    "With our new hire, I spent two weeks writing onboarding docs.",
    "Originally a side project, the tool took four months to build.",
    "The study ran for six weeks and the survey for two weeks.",
    "I took two weeks of leave before the launch, then spent a month on support.",
    "The data backfill, which took three days, ran while I wrote the report over a week.",
    "The hackathon lasted a weekend, where I met my cofounder.",
    "Before the launch I spent two weeks testing and three days on docs.",
    "The review took two weeks, and now I lead the team.",
]
SAME_THING_COMPARED = [
    ("Onboarding now takes three days.", "three days"),
    ("Before my change the build took 40 minutes; now it takes 8.", "40 minutes"),  # (None before)
    ("The job went from 9 hours to 45 minutes.", "9 hours"),
    # mine
    ("Cold starts took 12 seconds; now they take 3.", "12 seconds"),
    ("The weekly data pull, which needed two days, runs in 20 minutes.", "two days"),
    ("We closed the books in four days, compared with nine days last year.", "four days"),
    ("With my caching layer, page renders took 90 ms.", "90 ms"),
    ("Builds finished in 11 minutes, well under the 20-minute target.", "11 minutes"),
    ("Quote approvals came back in 2 days, where they had taken 10.", "2 days"),
    ("Recovery took 15 minutes against a 4-hour target.", "15 minutes"),
    ("Each retrain ran in 2 hours instead of the 8 it took before.", "2 hours"),
    ("We answered tickets in 3 hours, a day faster than the team average.", "3 hours"),
    ("Onboarding took a month until we wrote the runbook, and five days after it.", "a month"),
    ("The release checklist took an hour once I scripted it, where it had taken two days.", "an hour"),
    ("Provisioning a laptop took 3 days before, and 4 hours since my automation.", "3 days"),
    ("The close took 6 days; it takes 2 now.", "6 days"),
]
# the hold-out's keyword-stuffed wrong answer (core-skills/first-hypothesis-was-wrong, rated 1)
STUFFED = (
    "Rather than spend time testing the hypothesis, I went straight to retraining on the most recent "
    "three months of data, which took about a week of compute and didn't help."
)


@pytest.mark.parametrize("result", [*TWO_THINGS_OR_NOTHING_COMPARED, STUFFED])
def test_times_of_different_things_or_words_that_compare_nothing_are_no_outcome(result: str) -> None:
    assert find_quantity(result) is None


@pytest.mark.parametrize(("result", "quantity"), SAME_THING_COMPARED)
def test_a_time_set_against_the_same_thing_or_a_standard_is_an_outcome(result: str, quantity: str) -> None:
    assert find_quantity(result) == quantity


@given(
    _SPAN,
    _SPAN,
    st.sampled_from(
        [
            "I spent {d} on the design and {e} on the build.",
            "The training run took {d} and the evaluation took {e}.",
            "The study ran for {d}, and I spent {e} writing it up.",
            "Over {d} I ran the pilot, meeting the team for {e} on Fridays.",
            "After my manager asked, I spent {d} on the migration and {e} on docs.",
            "Since our team was small, the rollout took {d}.",
            "I spent {d} on it, whereas my teammate was on leave.",
            "The audit took {d}, longer than I expected.",
            "I led the project for {d}, where I was the only engineer.",
            "Rather than wait, I spent {d} on the fix and it shipped.",
        ]
    ),
)
def test_two_times_of_the_work_or_words_that_compare_nothing_never_quantify(
    span: str, other: str, form: str
) -> None:
    assert find_quantity(form.format(d=span, e=other)) is None


@given(
    _SPAN,
    st.one_of(_SPAN, st.integers(1, 99).map(str)),
    st.sampled_from(
        [
            "Before my change the build took {d}; now it takes {e}.",
            "The close took {d}; it takes {e} now.",
            "Refunds took {d}, where they had taken {e}.",
            "Recovery took {d} against {e} the quarter before.",
            "Each retrain ran in {d} instead of {e}.",
            "Onboarding took {d} until we wrote the runbook, and it takes {e} with it.",
        ]
    ),
)
def test_a_time_set_against_another_of_the_same_thing_quantifies(span: str, other: str, form: str) -> None:
    assert find_quantity(form.format(d=span, e=other)) == span


# Words that only place a time in the story count as a before and after only as a pair, and the second
# time must be a time (found by an independent review of the rule above: the rows marked * were outcomes).
# "once I", "initially", "now" with any other number made one ("across 4 offices", a second step of the
# work); a later duration of work or of the story ("after 2 weeks of QA") timed a relative clause again;
# "with the new tool" is what the work was done with. "last year ... this year" and "had taken ...; my
# script ... in" were no outcome. In each row below the duration is how long the work took; a count
# beside it ("4 offices") stays what core/quantities.py makes it.
PLACED_IN_THE_STORY = [
    ("Once I joined, the rollout took three months across 4 offices.", "three months"),  # *
    ("Initially I spent two weeks reading the code, then 3 days on the fix.", "two weeks"),  # *
    ("The project, which took 4 months, shipped in March after 2 weeks of QA.", "4 months"),  # *
    ("The migration, which took 4 months, ended after a week of testing.", "4 months"),  # *
    ("The pilot took two months with the new tool.", "two months"),  # *
    # mine
    ("Once we started, the migration took two months across 12 services.", "two months"),
    ("Now that I think of it, the audit took three weeks for 40 teams.", "three weeks"),
    ("At first I spent three days on the logs and then a week on the fix.", "three days"),
    ("Last year I spent two weeks on the design and three weeks on the build.", "two weeks"),
    ("The study, which lasted a year, was published after six months of review.", "a year"),
    ("The pilot ran for two months with the new pipeline.", "two months"),
    ("The redesign, which took two months, launched after a further week of testing.", "two months"),
    ("Previously the job took 3 days to design, and it shipped in 2024.", "3 days"),
    ("Previously I spent two weeks on the design, then 3 days on the fix.", "two weeks"),
]
PLACED_APART = [
    ("Last year the audit took three weeks; this year it took four days.", "three weeks"),  # *
    ("The same analysis had taken a week by hand; my script did it in an hour.", "a week"),  # *
    # mine
    ("Last quarter the close took nine days; this quarter it took four.", "nine days"),
    ("The same report had taken two days by hand; my script produced it in 20 minutes.", "two days"),
    ("A year ago onboarding took a month; this year it took a week.", "a month"),
    ("The nightly build, which took 3 hours, now runs in 25 minutes.", "3 hours"),
    ("Initially the import took six hours; now it takes 40.", "six hours"),
    ("Releases took a week; with the new pipeline they take a day.", "a week"),
    ("Last year the quarterly report took 5 days; this year I did it in 2.", "5 days"),
    ("Until we automated it, the report took two days; it takes 10 minutes.", "two days"),
    ("It took two weeks then; now it takes 3 days.", "two weeks"),
]


@pytest.mark.parametrize(("result", "duration"), PLACED_IN_THE_STORY)
def test_a_time_placed_in_the_story_with_nothing_to_set_against_is_how_long_the_work_took(
    result: str, duration: str
) -> None:
    assert find_quantity(result) != duration
    assert (duration, "how long something took") in {(n.text, n.kind) for n in non_quantities(result)}


@pytest.mark.parametrize(("result", "quantity"), PLACED_APART)
def test_two_times_of_the_same_thing_placed_before_and_after_are_an_outcome(
    result: str, quantity: str
) -> None:
    assert find_quantity(result) == quantity


@given(
    _SPAN,
    _SPAN,
    st.integers(2, 99),
    st.sampled_from(
        [
            "Once I joined, the rollout took {d} across {n} offices.",
            "Initially I spent {d} reading the code, then {e} on the fix.",
            "Last year I spent {d} on the design and {e} on the build.",
            "The project, which took {d}, shipped in March after {e} of QA.",
            "The migration, which took {d}, ended after {e} of testing.",
            "The pilot took {d} with the new tool, and {n} teams joined.",
            "The review took {d}, and now I lead {n} engineers.",
        ]
    ),
)
def test_a_second_step_count_or_span_of_the_work_sets_no_time_against_another(
    span: str, other: str, count: int, form: str
) -> None:
    result = form.format(d=span, e=other, n=count)
    assert find_quantity(result) in (None, f"{count} offices", f"{count} teams", f"{count} engineers")


@given(
    _SPAN,
    st.one_of(_SPAN, st.integers(1, 99).map(str)),
    st.sampled_from(
        [
            "Last year the audit took {d}; this year it took {e}.",
            "The same analysis had taken {d} by hand; my script did it in {e}.",
            "A year ago the import took {d}; this quarter it takes {e}.",
            "Releases took {d}; with the new pipeline they take {e}.",
            "Initially the sync took {d}; now it takes {e}.",
        ]
    ),
)
def test_two_times_of_the_same_thing_placed_apart_quantify(span: str, other: str, form: str) -> None:
    assert find_quantity(form.format(d=span, e=other)) == span
