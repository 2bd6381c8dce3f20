/*
 * Helpers of the WinRM transport that other parts of the engine use:
 * building a PowerShell command line that no quoting can break, and
 * turning PowerShell's CLIXML error stream into readable text; and its
 * response reader, for the tests.
 */
#ifndef LIFEBOAT_TRANSPORT_WINRM_H
#define LIFEBOAT_TRANSPORT_WINRM_H

#include <stddef.h>

struct buf;

/*
 * Appends "powershell -NoProfile -NonInteractive -EncodedCommand B64" to
 * out, B64 being the base64 of script (UTF-8) as UTF-16LE.  Returns 0,
 * LB_ERR_INVALID when script is not valid UTF-8 (overlong forms and
 * surrogates included), or LB_ERR_LIMIT when out is full; out is
 * unchanged on error.
 */
int	winrm_ps_command(struct buf *out, const char *script, size_t len);
/* The same with another program than powershell: pwsh on Linux. */
int	winrm_ps_command_as(struct buf *out, const char *program,
	    const char *script, size_t len);

/*
 * When data starts with "#< CLIXML", appends the text of its error
 * strings (S="Error", _xHHHH_ escapes decoded, control characters other
 * than LF and TAB dropped, so a host cannot drive the terminal) to out and
 * returns 0; otherwise, or when any of it does not parse (a document cut
 * short too), returns LB_ERR_FORMAT and out is unchanged.
 */
int	winrm_clixml_decode(struct buf *out, const char *data, size_t len);

/*
 * Reads one response body as the transport does and appends what it
 * found to out, a line each: "fault SUBCODE code WSMANCODE[ timeout]
 * [ denied]: MESSAGE", "shell ID", "command ID", "receive stdout N
 * stderr N done|running rc N" (or "receive: bad base64"), "envelope
 * BYTES".  Returns 0, or LB_ERR_FORMAT (out unchanged) when data is not
 * a SOAP envelope.  For the tests and the fuzzer.
 */
int	winrm_read_response(const char *data, size_t len, struct buf *out);

#endif
