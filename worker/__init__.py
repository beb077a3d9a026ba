"""The journey worker process: runs trainee workflows and their activities."""
