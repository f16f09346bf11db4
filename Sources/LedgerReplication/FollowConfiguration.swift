/// A follower's settings (config `follow`): the leader's HTTPS edge and the client
/// certificate, carrying a `replica` grant there, it connects with.
public struct FollowConfiguration: Sendable {
    /// The leader's edge, `https://host:port`.
    public var leaderURL: String
    /// The CA (PEM) the leader's server certificate must chain to.
    public var caFile: String
    /// This follower's client certificate (PEM) and its key.
    public var certificateFile: String
    public var keyFile: String
    /// The purpose the leader records for the replication stream (its access log).
    public var purpose = "replication (follower)"
    /// Seconds between attempts while the leader cannot be reached.
    public var retrySeconds: Int64 = 1
    /// Records stored per commit at most: the follower stores all that arrived while its
    /// previous commit ran, in commits of up to this many.
    public var recordsPerCommit = 2000
    /// Records read ahead of the store at most (the stream waits while this many are held).
    public var recordsHeld = 8000

    public init(leaderURL: String, caFile: String, certificateFile: String, keyFile: String) {
        self.leaderURL = leaderURL
        self.caFile = caFile
        self.certificateFile = certificateFile
        self.keyFile = keyFile
    }
}
