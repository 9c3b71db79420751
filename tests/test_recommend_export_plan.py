"""Plan parsing (missing keys named with the file), window slugs, model ids, hour-of-week → cron."""

import json

import pytest
from export_fixtures import FIXTURES, HOUR_OF_WEEK, START_END

from recommend.export import PlanError, export, load_plan, parse_plan, write_files
from recommend.export.schedule import cron_spans, dow_list, ranges
from recommend.plan import read_plan_json, window_views


def test_plans_parse_and_extra_keys_are_ignored():
    plan = load_plan(START_END)
    assert [w.label for w in plan.windows] == ["Peak (Mon)", "evening", "night"]
    assert plan.windows[0].config.gpu == "h200"  # from the plan-level "gpu"
    assert plan.windows[0].config.gpu_memory_utilization == 0.92
    assert plan.windows[0].start.isoformat() == "2025-03-03T09:00:00+00:00"
    assert [w.slug for w in plan.windows] == ["w00-peak-mon", "w01-evening", "w02-night"]


def test_missing_key_names_the_key_and_the_file():
    with pytest.raises(
        PlanError,
        match=r"plan_missing_max_num_seqs\.json: missing key 'max_num_seqs' in "
        r"windows\[1\]\.config",
    ):
        load_plan(FIXTURES / "plan_missing_max_num_seqs.json")


def test_window_views_read_what_parse_plan_reads():
    views = window_views(read_plan_json(START_END))
    assert [w.label for w in views] == ["Peak (Mon)", "evening", "night"]
    assert [w.gpu for w in views] == ["h200"] * 3  # the plan-level "gpu" where the config names none
    assert views[0].cells == tuple(range(9, 18))  # Monday 09:00-18:00 UTC
    assert views[2].cells == (23, *range(24, 33))  # Monday 23:00 to Tuesday 09:00
    assert [w.setting("replicas") for w in views] == [3, 2, 1]


def test_window_views_draw_an_incomplete_plan_that_parse_plan_rejects():
    plan = {
        "windows": [
            {
                "config": {"replicas": 2},
                "predicted": {"ttft_ms": 500},
                "alternatives": [{"cost": {"usd_per_hour": 3}}, "not a config"],
            },
            7,
        ]
    }
    with pytest.raises(PlanError):
        parse_plan(plan)
    [w] = window_views(plan)
    assert (w.label, w.gpu, w.cells, w.reasons, w.deployment, w.disagg) == ("window 1", None, (), (), "aggregated", {})
    assert (w.p("ttft_ms"), w.p("ttft_ms", "p50"), w.p("tpot_ms"), w.usd_per_hour) == (500.0, 500.0, None, None)
    assert [(a.usd_per_hour, a.p("ttft_ms")) for a in w.alternatives] == [(3, None)]


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda p: p.pop("model"), "missing key 'model' in plan"),
        (lambda p: p["windows"][0].pop("window"), r"missing key 'window' in windows\[0\]"),
        (lambda p: p["windows"][0]["window"].pop("hours"), r"missing key 'hours' \(or 'start'/'end'\)"),
        (lambda p: p["windows"][0]["window"].update(hours=[168]), r"windows\[0\].window.hours holds 168"),
        (lambda p: p["windows"][0]["config"].pop("replicas"), "missing key 'replicas'"),
    ],
)
def test_each_required_key_is_checked(mutate, message):
    data = json.loads(HOUR_OF_WEEK.read_text())
    mutate(data)
    with pytest.raises(PlanError, match=f"my.json: {message}"):
        parse_plan(data, source="my.json")


def test_model_maps_to_a_hugging_face_id():
    assert load_plan(HOUR_OF_WEEK).hf_id() == "meta-llama/Llama-3.1-8B"  # catalog name → its first HF id
    assert load_plan(START_END).hf_id() == "meta-llama/Llama-3.1-70B-Instruct"  # already an id: kept
    assert load_plan(HOUR_OF_WEEK).hf_id("org/my-finetune") == "org/my-finetune"


def test_weekday_office_hours_are_one_cron_pair():
    cells = tuple(d * 24 + h for d in range(5) for h in range(9, 18))  # Mon–Fri 09:00–18:00
    assert ranges(cells) == [(9, 9), (33, 9), (57, 9), (81, 9), (105, 9)]
    (span,) = cron_spans(cells)
    assert (span.start, span.end, span.hours, span.occurrences) == ("0 9 * * 1-5", "0 18 * * 1-5", 9, 5)


def test_the_rest_of_the_week_wraps_sunday_to_monday():
    office = {d * 24 + h for d in range(5) for h in range(9, 18)}
    rest = tuple(c for c in range(168) if c not in office)
    # Fri 18:00 → Mon 09:00 is one 63-hour run (6 + 24 + 24 + 9), the other nights 15 hours each.
    assert sorted(ranges(rest)) == [(18, 15), (42, 15), (66, 15), (90, 15), (114, 63)]
    spans = [(s.start, s.end, s.hours) for s in cron_spans(rest)]
    assert spans == [("0 18 * * 1-4", "0 9 * * 2-5", 15), ("0 18 * * 5", "0 9 * * 1", 63)]


def test_always_on_is_a_daily_pair_with_distinct_start_and_end():
    (span,) = cron_spans(tuple(range(168)))
    assert span.start != span.end


def test_dow_list():
    assert dow_list([1, 2, 3, 4, 5]) == "1-5"
    assert dow_list([6, 0]) == "0,6"
    assert dow_list([1, 2, 4]) == "1,2,4"


def test_unknown_format_and_writer(tmp_path):
    plan = load_plan(HOUR_OF_WEEK)
    with pytest.raises(PlanError, match="unknown export format 'helm'"):
        export(plan, "helm")
    written = write_files(export(plan, "vllm"), tmp_path)
    assert (tmp_path / "vllm" / "w00-weekdays-09-18.sh").stat().st_mode & 0o111
    assert len(written) == 5  # 2 windows x (sh + yaml) + README
    with pytest.raises(PlanError, match="outside"):
        write_files({"../x": ""}, tmp_path)
