import LedgerJSON

/// What the desk serves and where it finds the daemon. The executable fills it in (flags,
/// the default socket, the assets folder, the label tables and the report renderer).
public struct DeskConfiguration: Sendable {
    /// The only address the desk listens on: the desk is for the person at this machine.
    public static let host = "127.0.0.1"

    /// The daemon's Unix socket; every call connects as the user who started the desk.
    public var socketPath: String
    /// The folder holding `index.html`, the style sheet, the scripts and `articles.json`.
    public var assetsDirectory: String
    /// The port to listen on; 0 lets the system choose a free one.
    public var port: Int
    /// The token every page load and API call must carry.
    public var token: DeskToken
    /// The code → Chinese label tables served at `/api/labels` (creditctl's, so there is one table).
    public var labels: JSONValue
    /// Renders a joined `report` result as the printable HTML page (one place to switch renderers).
    public var renderReport: @Sendable (JSONValue) throws -> String

    /// - Parameters:
    ///   - socketPath: the daemon's socket.
    ///   - assetsDirectory: the folder of the pages (`Deploy/desk`).
    ///   - port: the port on 127.0.0.1, 0 for any free one.
    ///   - token: the access token (a fresh random one unless given).
    ///   - labels: the code → label tables served at `/api/labels`.
    ///   - renderReport: makes the printable page of a joined `report` result.
    public init(
        socketPath: String, assetsDirectory: String, port: Int = 0, token: DeskToken = .random(), labels: JSONValue,
        renderReport: @escaping @Sendable (JSONValue) throws -> String
    ) {
        self.socketPath = socketPath
        self.assetsDirectory = assetsDirectory
        self.port = port
        self.token = token
        self.labels = labels
        self.renderReport = renderReport
    }
}
