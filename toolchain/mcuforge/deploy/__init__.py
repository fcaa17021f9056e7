"""Deploy to real boards: PlatformIO projects (project.py) and their upload (upload.py)."""

from .project import Project, Training, build_project, generate_project, pio_config

__all__ = ["Project", "Training", "build_project", "generate_project", "pio_config"]
