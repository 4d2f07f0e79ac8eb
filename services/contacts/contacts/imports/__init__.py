"""CSV imports: the job, its upload, its chunks and their row results."""
