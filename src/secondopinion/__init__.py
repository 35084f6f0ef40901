"""SecondOpinion: cited second-opinion pre-reviews of cancer diagnoses and treatment plans."""

__version__ = "0.1.0"
