"""Start kernels able to take Jupyter's interrupt (stdlib only, so the tool tests can import it)."""
import signal


def take_sigint():
    """A script started in the background (`cmd &`, nohup, some CI runners) inherits SIGINT ignored, and an ignored
    signal stays ignored across exec: a kernel's JVM started from it could not take SIGINT (interrupt_mode "signal"),
    so the stop button would never reach the cell. A handler of our own is reset to the default in a child, so
    kernels started after this call can take it."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
