"""Guided lessons for the classroom: predict, run, see why (the page ``/lessons``).

Each lesson is a short text with its equation, a question the student answers before seeing
anything, and a prepared view of the explorer: the same view the lesson runs to decide which
answer is right and to reveal why, and the link its button opens. ``LESSONS`` holds them in
teaching order, by slug (``/lessons?lesson=<slug>``).
"""

from .memory import ADAGRAD, RHO_LESSON
from .model import Lesson, Outcome, Result, View, fmt, run
from .pipeline import ACCUMULATION, CLIPPING, EMA, LOSS_SCALING, WEIGHT_DECAY
from .start import EPSILON_LESSON, KERAS_LESSON
from .units import UNITS

LESSONS: dict[str, Lesson] = {
    lesson.slug: lesson
    for lesson in (
        ADAGRAD,
        RHO_LESSON,
        UNITS,
        EPSILON_LESSON,
        KERAS_LESSON,
        CLIPPING,
        WEIGHT_DECAY,
        EMA,
        ACCUMULATION,
        LOSS_SCALING,
    )
}
"""Every lesson, in teaching order, by slug."""

PARAMETER = "lesson"
"""The URL parameter that names the lesson shown: ``/lessons?lesson=epsilon``."""

__all__ = ["LESSONS", "PARAMETER", "Lesson", "Outcome", "Result", "View", "fmt", "run"]
