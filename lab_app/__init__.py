"""AI Lab: see how generative AI works by running real models and watching their insides."""

__version__ = "0.1.0"
APP_NAME = "AI Lab"
APP_ID = "ai-lab"  # also the desktop file name (ai-lab.desktop) and the settings file name
