"""The training dock: what to train on (data_box), how (settings_box), the controls, the plots it feeds, and
what it reads from and writes to model files (model_file). The state lives in gui/core/session.py."""
from .dock import TrainingDock

__all__ = ["TrainingDock"]
