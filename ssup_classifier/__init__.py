"""ssup-classifier: Polish job ads and CVs -> SFIA Sales support (SSUP) level 1-6."""

from __future__ import annotations

from .config import CLASSES, LEVELS, NONE_LABEL, TrainConfig
from .data import load_samples
from .descriptors import LevelDescriptor, SkillDescriptors, load_descriptors
from .documents import Document, read_document, read_document_bytes
from .errors import (
    BackendUnavailableError,
    DataError,
    DocumentError,
    InvalidInputError,
    ModelLoadError,
    ModelNotFoundError,
    SSUPError,
)
from .evaluation import EvaluationReport, evaluate, score
from .explore import (
    calibration_error,
    calibration_table,
    characteristic_lemmas,
    confusion,
    cross_val_predictions,
    cv_metrics,
    descriptor_similarity,
    load_real_ads,
    misclassified,
    phrases,
    prediction_table,
    top_features,
    what_if,
)
from .language import detect_language
from .model import Prediction, Reason, SSUPClassifier
from .text import TextProcessor
from .training import TrainResult, train

__all__ = [
    "CLASSES", "LEVELS", "NONE_LABEL", "TrainConfig", "load_samples", "LevelDescriptor", "SkillDescriptors",
    "load_descriptors", "BackendUnavailableError", "DataError", "InvalidInputError", "ModelLoadError",
    "ModelNotFoundError", "SSUPError", "EvaluationReport", "evaluate", "score", "Prediction", "Reason",
    "SSUPClassifier", "TextProcessor", "TrainResult", "train",
    "calibration_error", "calibration_table", "characteristic_lemmas", "confusion", "cross_val_predictions",
    "cv_metrics", "descriptor_similarity", "load_real_ads", "misclassified", "phrases", "prediction_table",
    "top_features", "what_if",
    "Document", "DocumentError", "read_document", "read_document_bytes", "detect_language",
]
