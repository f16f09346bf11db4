import Foundation
import HTTPTypes
import Hummingbird
import LedgerJSON
import LedgerProtocol
import NIOCore
import NIOPosix

/// What each of the desk's paths answers.
struct DeskRoutes: Sendable {
    /// The largest request body the API reads, as the daemon's line limit.
    static let maximumBodyBytes = 1 << 20
    /// Asset names served from the assets folder: plain names, no paths.
    static let assetTypes: [String: String] = [
        "js": "text/javascript; charset=utf-8", "css": "text/css; charset=utf-8", "json": "application/json; charset=utf-8",
        "svg": "image/svg+xml", "png": "image/png", "html": "text/html; charset=utf-8",
    ]

    let configuration: DeskConfiguration
    var daemon: DeskDaemon { DeskDaemon(socketPath: configuration.socketPath) }

    /// `/?token=…`: the application page; without the token a short page saying so.
    func index(_ request: Request) -> Response {
        guard let given = request.uri.queryParameters.get("token") else {
            return DeskResponse.page(
                .unauthorized, title: "需要访问令牌", message: "请用 creditctl desk 启动时打印的完整地址（含 ?token=…）打开本页。", resume: true)
        }
        guard configuration.token.matches(String(given)) else {
            return DeskResponse.page(.forbidden, title: "访问令牌不正确", message: "请用 creditctl desk 本次启动时打印的地址打开本页。")
        }
        return asset("index.html")
    }

    /// A file of the assets folder by its plain name (letters, digits, dashes and one extension).
    func asset(_ name: String) -> Response {
        let parts = name.split(separator: ".")
        guard parts.count == 2, parts[0].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }),
            let type = Self.assetTypes[String(parts[1])],
            let contents = FileManager.default.contents(atPath: configuration.assetsDirectory + "/" + name)
        else {
            return DeskResponse.page(.notFound, title: "404", message: "没有这个页面。")
        }
        return DeskResponse.bytes(.ok, Array(contents), contentType: type)
    }

    /// `GET /api/labels`: the code → label tables.
    func labels() -> Response { DeskResponse.json(.ok, configuration.labels) }

    /// `POST /api/call`: one line-protocol request of a read op, answered by the daemon as it
    /// is (an `ok: false` answer too: the refusal is the daemon's), pages joined.
    func call(_ request: Request) async -> Response {
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: Self.maximumBodyBytes)
        } catch {
            return DeskResponse.failure(.contentTooLarge, code: "too_large", message: "请求超过 \(Self.maximumBodyBytes) 字节")
        }
        guard let value = try? JSONParser.parse(Array(body.readableBytesView)), case .object = value else {
            return DeskResponse.failure(.badRequest, code: "bad_json", message: "请求体必须是一个 JSON 对象")
        }
        guard let op = value["op"]?.stringValue.flatMap(LedgerOperation.init(rawValue:)), DeskDaemon.allowedOperations.contains(op) else {
            let allowed = DeskDaemon.allowedOperations.map(\.name).sorted().joined(separator: ", ")
            return DeskResponse.failure(.badRequest, code: "invalid_field", message: "查询台只转发只读操作：\(allowed)", field: "op")
        }
        return await forward(value)
    }

    /// `GET|POST /api/report?entity&from&to`: the printable report page, its pages joined.
    func report(_ request: Request) async -> Response {
        let query = request.uri.queryParameters
        var members: [(String, JSONValue)] = [("op", "report")]
        for name in ["entity", "from", "to"] {
            guard let text = query.get(name), !text.isEmpty else {
                return DeskResponse.page(.badRequest, title: "缺少参数", message: "报告需要 entity、from 和 to（缺少 \(name)）。")
            }
            members.append((name, .string(text)))
        }
        let daemon = self.daemon
        let request = JSONValue.object(members)
        let answer: JSONValue
        do {
            answer = try await NIOThreadPool.singleton.runIfActive { try daemon.answer(request) }
        } catch let failure as DeskDaemon.Failure {
            return DeskResponse.page(.badGateway, title: "无法生成报告", message: failure.message)
        } catch {
            return DeskResponse.page(.badGateway, title: "无法生成报告", message: "\(error)")
        }
        guard answer["ok"]?.boolValue == true, let report = answer["result"] else {
            let error = answer["error"]
            let code = error?["code"]?.stringValue ?? "bad_answer"
            let status: HTTPResponse.Status = code == "not_found" ? .notFound : code == "forbidden" ? .forbidden : .badRequest
            return DeskResponse.page(status, title: "无法生成报告", message: "\(code)：\(error?["message"]?.stringValue ?? "")")
        }
        let html: String
        do {
            html = try configuration.renderReport(report)
        } catch {
            return DeskResponse.page(.internalServerError, title: "无法生成报告页面", message: "\(error)")
        }
        var response = DeskResponse.bytes(.ok, Array(html.utf8), contentType: "text/html; charset=utf-8")
        response.headers[.contentSecurityPolicy] = DeskResponse.reportContentSecurityPolicy
        response.headers[DeskResponse.xFrameOptions] = "SAMEORIGIN"
        return response
    }

    /// The daemon's answer to `request` as the body (200), or 502 when there is none.
    func forward(_ request: JSONValue) async -> Response {
        let daemon = self.daemon
        do {
            let answer = try await NIOThreadPool.singleton.runIfActive { try daemon.answer(request) }
            return DeskResponse.json(.ok, answer)
        } catch let failure as DeskDaemon.Failure {
            return DeskResponse.failure(.badGateway, code: failure.code, message: failure.message)
        } catch {
            return DeskResponse.failure(.badGateway, code: "unavailable", message: "\(error)")
        }
    }
}
