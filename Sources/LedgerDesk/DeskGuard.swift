import HTTPTypes
import Hummingbird
import NIOConcurrencyHelpers

/// Every request: only for the desk's own address (a page from another site that rebinds a
/// DNS name to 127.0.0.1 sends its own name as Host, and is refused), and every answer with
/// the desk's security headers, refusals and unknown paths included.
struct DeskGuard<Context: RequestContext>: RouterMiddleware {
    /// The port bound, known once the server runs (requests come only after that).
    let port: NIOLockedValueBox<Int>

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        let port = self.port.withLockedValue { $0 }
        let host = request.head.authority
        if host != "127.0.0.1:\(port)" && host != "localhost:\(port)" {
            response = DeskResponse.page(.forbidden, title: "拒绝访问", message: "本服务只接受发往 127.0.0.1:\(port) 或 localhost:\(port) 的请求。")
        } else {
            do {
                response = try await next(request, context)
            } catch let error as HTTPError {
                response = DeskResponse.page(error.status, title: "\(error.status.code)", message: error.status == .notFound ? "没有这个页面。" : "请求无法处理。")
            } catch {
                response = DeskResponse.page(.internalServerError, title: "内部错误", message: "\(error)")
            }
        }
        DeskResponse.secure(&response)
        return response
    }
}

/// The API: the token in the `X-Desk-Token` header (401 without it, 403 with another). The
/// report page, which the desk shows in an iframe that cannot send headers, may carry it as
/// `?token=` instead.
struct DeskTokenGuard<Context: RequestContext>: RouterMiddleware {
    let token: DeskToken

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var given = request.headers[DeskResponse.tokenHeader]
        if given == nil, request.uri.path == "/api/report" { given = request.uri.queryParameters.get("token") }
        guard let given else {
            return DeskResponse.failure(.unauthorized, code: "token_required", message: "缺少访问令牌（X-Desk-Token）")
        }
        guard token.matches(given) else {
            return DeskResponse.failure(.forbidden, code: "token_mismatch", message: "访问令牌不正确")
        }
        return try await next(request, context)
    }
}
