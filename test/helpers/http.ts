// The raw HTTP client lives with the fidelity probe, which sends the same exact-header requests.
export { form, header, headerLines, send, type HttpResult, type SendOptions } from '../../fidelity/http.ts'
