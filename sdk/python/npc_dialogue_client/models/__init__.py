"""Contains all the data models used in inputs/outputs"""

from .candidate import Candidate
from .custom_event_type import CustomEventType
from .dependency import Dependency
from .dependency_state import DependencyState
from .emotion import Emotion
from .erased import Erased
from .event import Event
from .event_list import EventList
from .event_write import EventWrite
from .example_dialogue import ExampleDialogue
from .export_card_response_export_card import ExportCardResponseExportCard
from .extract_request import ExtractRequest
from .extract_result import ExtractResult
from .extraction_config import ExtractionConfig
from .extraction_config_types_item import ExtractionConfigTypesItem
from .history_line import HistoryLine
from .history_line_role import HistoryLineRole
from .import_card_json_body import ImportCardJsonBody
from .imported import Imported
from .liveness import Liveness
from .log_entry import LogEntry
from .log_entry_role import LogEntryRole
from .lora_adapter import LoraAdapter
from .lore_create import LoreCreate
from .lore_document import LoreDocument
from .lore_document_text import LoreDocumentText
from .lore_list import LoreList
from .memory_preferences import MemoryPreferences
from .memory_preferences_bias import MemoryPreferencesBias
from .memory_preferences_importance import MemoryPreferencesImportance
from .mood import Mood
from .persona import Persona
from .persona_create import PersonaCreate
from .persona_create_memory_scope import PersonaCreateMemoryScope
from .persona_fields import PersonaFields
from .persona_fields_memory_scope import PersonaFieldsMemoryScope
from .persona_list import PersonaList
from .persona_memory_scope import PersonaMemoryScope
from .problem import Problem
from .problem_errors_type_0_item import ProblemErrorsType0Item
from .promise import Promise
from .promise_outcome import PromiseOutcome
from .readiness import Readiness
from .readiness_dependencies import ReadinessDependencies
from .recalled_memory import RecalledMemory
from .reflection import Reflection
from .reflection_action import ReflectionAction
from .relationship import Relationship
from .scored_event import ScoredEvent
from .search_request import SearchRequest
from .search_result import SearchResult
from .timings import Timings
from .turn_log import TurnLog
from .turn_preview import TurnPreview
from .turn_preview_messages_item import TurnPreviewMessagesItem
from .turn_request import TurnRequest
from .turn_response import TurnResponse

__all__ = (
    "Candidate",
    "CustomEventType",
    "Dependency",
    "DependencyState",
    "Emotion",
    "Erased",
    "Event",
    "EventList",
    "EventWrite",
    "ExampleDialogue",
    "ExportCardResponseExportCard",
    "ExtractionConfig",
    "ExtractionConfigTypesItem",
    "ExtractRequest",
    "ExtractResult",
    "HistoryLine",
    "HistoryLineRole",
    "ImportCardJsonBody",
    "Imported",
    "Liveness",
    "LogEntry",
    "LogEntryRole",
    "LoraAdapter",
    "LoreCreate",
    "LoreDocument",
    "LoreDocumentText",
    "LoreList",
    "MemoryPreferences",
    "MemoryPreferencesBias",
    "MemoryPreferencesImportance",
    "Mood",
    "Persona",
    "PersonaCreate",
    "PersonaCreateMemoryScope",
    "PersonaFields",
    "PersonaFieldsMemoryScope",
    "PersonaList",
    "PersonaMemoryScope",
    "Problem",
    "ProblemErrorsType0Item",
    "Promise",
    "PromiseOutcome",
    "Readiness",
    "ReadinessDependencies",
    "RecalledMemory",
    "Reflection",
    "ReflectionAction",
    "Relationship",
    "ScoredEvent",
    "SearchRequest",
    "SearchResult",
    "Timings",
    "TurnLog",
    "TurnPreview",
    "TurnPreviewMessagesItem",
    "TurnRequest",
    "TurnResponse",
)
