"""Numbered schema migrations. Each runs in one transaction together with the row that records it.

Never edit a released migration: add ``m00N_...`` at the end of :data:`MIGRATIONS` instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mockprep.db.bank_file_stamps import m024_bank_file_stamps
from mockprep.db.card_replay import m032_memory_under_adopted_weights
from mockprep.db.first_migrations import (
    m001_initial,
    m002_timing_and_mocks,
    m003_stories,
    m004_stats_indexes,
    m005_one_coverage_encoding,
    m006_card_marks_and_undo,
    m007_key_point_checklist,
    m008_plans_cram_parameters,
    m009_code_runs,
    m010_global_ids,
    m011_delivery_metrics,
    m012_llm_grading,
    m013_stats_rollup,
    m014_stats_rollup,
    m015_compact_reviews,
)
from mockprep.db.follow_up_times import m030_follow_up_times
from mockprep.db.imported_reviews import m034_recounted_reviews_sent
from mockprep.db.mark_stamps import m026_mark_stamps
from mockprep.db.mock_answer_lines import m031_mock_answer_lines
from mockprep.db.model_failures import m029_model_failures
from mockprep.db.packed_grading import m019_packed_grading
from mockprep.db.plan_sync import m035_plan_uids
from mockprep.db.question_aliases import m028_question_aliases
from mockprep.db.review_indexes import m022_review_indexes
from mockprep.db.review_times import m018_review_times
from mockprep.db.running_sessions import m025_running_sessions
from mockprep.db.scheduling import m033_fit_log_uid
from mockprep.db.schema_repairs import m017_schema_repairs
from mockprep.db.session_reviews import m023_session_reviews
from mockprep.db.stats_rollup import m027_topic_failures
from mockprep.db.time_keys import m016_time_keys
from mockprep.db.undo_card import m020_latest_card_before, m021_undo_card_on_cards

Migration = Callable[[Any], None]  # receives a DB-API cursor inside an open transaction


MIGRATIONS: list[Migration] = [
    m001_initial,
    m002_timing_and_mocks,
    m003_stories,
    m004_stats_indexes,
    m005_one_coverage_encoding,
    m006_card_marks_and_undo,
    m007_key_point_checklist,
    m008_plans_cram_parameters,
    m009_code_runs,
    m010_global_ids,
    m011_delivery_metrics,
    m012_llm_grading,
    m013_stats_rollup,
    m014_stats_rollup,
    m015_compact_reviews,
    m016_time_keys,
    m017_schema_repairs,
    m018_review_times,
    m019_packed_grading,
    m020_latest_card_before,
    m021_undo_card_on_cards,
    m022_review_indexes,
    m023_session_reviews,
    m024_bank_file_stamps,
    m025_running_sessions,
    m026_mark_stamps,
    m027_topic_failures,
    m028_question_aliases,
    m029_model_failures,
    m030_follow_up_times,
    m031_mock_answer_lines,
    m032_memory_under_adopted_weights,
    m033_fit_log_uid,
    m034_recounted_reviews_sent,
    m035_plan_uids,
]
