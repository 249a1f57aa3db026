import FoundationEssentials
import Glibc

/// A user's request to stop a long run (Ctrl-C). The command line sets it from its SIGINT
/// handler; transient analyses and the cycler poll it at every accepted step and stop cleanly,
/// returning what they have computed so the caller can write it.
public enum Interruption {
    /// Nonzero once an interruption was requested. Written from a signal handler: a plain
    /// word-sized store, read by polling.
    nonisolated(unsafe) public static var requested: Int32 = 0

    public static var isRequested: Bool { requested != 0 }

    /// Installs the SIGINT handler: the first Ctrl-C asks the run to stop and keep its results,
    /// a second one ends the process at once.
    public static func installHandler() {
        // A parent may have started us with SIGINT blocked (Foundation's Process passes its
        // thread's signal mask on): unblock it, or Ctrl-C would never reach the handler.
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        signal(SIGINT) { _ in
            if Interruption.requested != 0 { _exit(130) }
            Interruption.requested = 1
        }
    }
}
