"""gunicorn settings read from the project directory (gunicorn loads ./gunicorn.conf.py itself).

Warm workers: the application is imported once in the master (preload_app) and WeasyPrint with
its CJK fonts is loaded there too, before any worker forks, so the first PDF of every worker
costs what the third does; each worker then makes one tiny PDF before taking requests (the
copy-on-write after the fork). Nothing here opens a database connection: each worker opens its
own.
Command-line options (--bind, --workers …) still apply on top of these.
"""

preload_app = True
worker_tmp_dir = "/dev/shm"  # heartbeat files off the disk (gunicorn's advice for containers/VMs)


def on_starting(server) -> None:
    """Runs in the master after the preload, before its signal handlers and before any fork
    (ctypes finding Pango runs short-lived helper processes the arbiter must not mistake for
    workers)."""
    import gc

    from reports.pdf import warm_up

    seconds = warm_up()
    server.log.info("WeasyPrint and the CJK fonts loaded in %.2f s before forking", seconds)
    # What the master built is kept for good: the workers' garbage collections leave it alone
    # instead of walking (and so copying, page by page) all of it during their first requests.
    gc.collect()
    gc.freeze()


def post_worker_init(worker) -> None:
    """Runs in each worker after it loaded the application, before it accepts a request: one
    tiny PDF, so that the copy-on-write of what the master prepared is not paid by a user's
    first PDF (reports.pdf.warm_up_worker)."""
    from reports.pdf import warm_up_worker

    seconds = warm_up_worker()
    worker.log.info("Worker %s warmed in %.2f s", worker.pid, seconds)
