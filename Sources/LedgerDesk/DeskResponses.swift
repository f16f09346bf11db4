import HTTPTypes
import Hummingbird
import LedgerJSON
import NIOCore

/// The desk's responses and the headers that keep its pages to themselves.
enum DeskResponse {
    /// The pages' policy: nothing from anywhere but the desk, no inline script or style.
    static let contentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'"
    /// The report page's policy: its own inline style sheet and SVG, no script at all, and it
    /// may be framed by the desk only (the 打印报告 view shows it in an iframe).
    static let reportContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"

    static let xFrameOptions = HTTPField.Name("X-Frame-Options")!
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
    static let crossOriginResourcePolicy = HTTPField.Name("Cross-Origin-Resource-Policy")!
    /// The header that carries the token on every API call.
    static let tokenHeader = HTTPField.Name("X-Desk-Token")!

    /// Adds the headers every answer carries, keeping a policy the handler already chose.
    static func secure(_ response: inout Response) {
        response.headers[.cacheControl] = "no-store"
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[referrerPolicy] = "no-referrer"
        response.headers[crossOriginResourcePolicy] = "same-origin"
        if response.headers[.contentSecurityPolicy] == nil { response.headers[.contentSecurityPolicy] = contentSecurityPolicy }
        if response.headers[xFrameOptions] == nil { response.headers[xFrameOptions] = "DENY" }
    }

    static func bytes(_ status: HTTPResponse.Status, _ bytes: [UInt8], contentType: String) -> Response {
        Response(status: status, headers: [.contentType: contentType], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func json(_ status: HTTPResponse.Status, _ value: JSONValue) -> Response {
        bytes(status, CanonicalJSON.encode(value), contentType: "application/json; charset=utf-8")
    }

    /// An answer in the line protocol's shape for a failure of the desk itself.
    static func failure(_ status: HTTPResponse.Status, code: String, message: String, field: String? = nil) -> Response {
        var error: [(String, JSONValue)] = [("code", .string(code)), ("message", .string(message))]
        if let field { error.append(("field", .string(field))) }
        return json(status, .object([("id", .null), ("ok", false), ("error", .object(error))]))
    }

    /// A short Chinese page (refusals of a page load). The script lets a tab that already holds
    /// the token in its session come back after a reload (its URL no longer shows the token).
    static func page(_ status: HTTPResponse.Status, title: String, message: String, resume: Bool = false) -> Response {
        let script = resume ? "<script src=\"/desk-resume.js\"></script>" : ""
        let html = """
            <!DOCTYPE html>
            <html lang="zh-CN"><head><meta charset="utf-8"><title>\(escape(title))</title>\(script)</head>
            <body><h1>\(escape(title))</h1><p>\(escape(message))</p></body></html>

            """
        return bytes(status, Array(html.utf8), contentType: "text/html; charset=utf-8")
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
