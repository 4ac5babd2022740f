"""APScheduler set-up and the jobs that open and close campaigns."""
