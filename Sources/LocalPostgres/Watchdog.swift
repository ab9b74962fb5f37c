import Foundation

/// A small shell process that stops the cluster (and removes a throwaway one) when the process
/// that started it dies without stopping it, e.g. by SIGKILL or a crash.
///
/// It runs in a session of its own, so a Ctrl-C for our terminal does not reach it, and exits
/// by itself once the cluster has stopped; ``RunningPostgres/stop()`` then reaps it.
enum Watchdog {
    private static let script = #"""
        owner="$1"; data="$2"; remove="$3"
        alive() { [ -r "/proc/$owner/status" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$owner/status"; }
        while alive && [ -f "$data/postmaster.pid" ]; do sleep 1; done
        if [ -f "$data/postmaster.pid" ]; then
          kill -INT "$(head -n 1 "$data/postmaster.pid")"
          n=0; while [ -f "$data/postmaster.pid" ] && [ "$n" -lt 60 ]; do sleep 1; n=$((n + 1)); done
        fi
        if [ -n "$remove" ] && ! alive; then rm -rf "$remove"; fi
        """#

    /// Starts the watchdog for the cluster in `layout` and returns its process id.
    static func launch(layout: ClusterLayout, removeWhenOwnerDies: Bool) throws -> ChildProcess {
        try CommandRunner(user: nil).spawn(
            "/bin/sh",
            [
                "-c", script, "wegweiser-postgres-watchdog", String(getpid()), layout.dataDirectory,
                removeWhenOwnerDies ? layout.directory : "",
            ],
            outputFile: "/dev/null",
            newSession: true
        )
    }
}
