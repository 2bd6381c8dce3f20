/*
 * The WinRM response reader (winrm_read_response()) against responses
 * shaped like those of real Windows hosts: Create, Command, Receive with
 * output and CLIXML, a Receive still running, the w:TimedOut and
 * AccessDenied faults, a quota fault carried as MSFT_WmiError, the
 * config's MaxEnvelopeSizekb; and against what a hostile server might
 * send: a DTD with entities, bad base64, huge and absurd numbers,
 * prefixes bound to other namespaces.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "errors.h"
#include "transport-winrm.h"

#define ENV_OPEN	"<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/" \
	"soap-envelope\" xmlns:a=\"http://schemas.xmlsoap.org/ws/2004/08/" \
	"addressing\" xmlns:x=\"http://schemas.xmlsoap.org/ws/2004/09/" \
	"transfer\" xmlns:w=\"http://schemas.dmtf.org/wbem/wsman/1/" \
	"wsman.xsd\" xmlns:rsp=\"http://schemas.microsoft.com/wbem/wsman/1/" \
	"windows/shell\"><s:Header><a:Action>A</a:Action><a:RelatesTo>" \
	"uuid:1</a:RelatesTo></s:Header><s:Body>"
#define ENV_CLOSE	"</s:Body></s:Envelope>"
#define RSP		"http://schemas.microsoft.com/wbem/wsman/1/windows/" \
	"shell"

/* What the reader makes of body inside an envelope; "ERROR" if none. */
static char *
read_body(const char *body, int *rc)
{
	struct buf	 in = BUF_INIT, out = BUF_INIT;

	buf_adds(&in, ENV_OPEN);
	buf_adds(&in, body);
	buf_adds(&in, ENV_CLOSE);
	*rc = winrm_read_response(in.data, in.len, &out);
	buf_release(&in);
	return buf_detach(&out, NULL);
}

static void
check(const char *body, const char *want)
{
	int	 rc;
	char	*got = read_body(body, &rc);

	assert_int_equal(rc, 0);
	assert_string_equal(got, want);
	free(got);
}

static void
test_create_and_command(void **state)
{
	(void)state;
	check("<x:ResourceCreated><a:Address>http://win:5985/wsman"
	    "</a:Address><a:ReferenceParameters><w:ResourceURI>" RSP "/cmd"
	    "</w:ResourceURI><w:SelectorSet><w:Selector Name=\"ShellId\">"
	    "\n  0A9B4C5D-1E2F-4A5B-8C9D-0E1F2A3B4C5D  \n</w:Selector>"
	    "</w:SelectorSet></a:ReferenceParameters></x:ResourceCreated>",
	    "shell 0A9B4C5D-1E2F-4A5B-8C9D-0E1F2A3B4C5D\n");
	check("<rsp:CommandResponse><rsp:CommandId>"
	    "A1B2C3D4-0000-4000-8000-000000000001</rsp:CommandId>"
	    "</rsp:CommandResponse>",
	    "command A1B2C3D4-0000-4000-8000-000000000001\n");
	/* An ID that could smuggle anything is not taken. */
	check("<rsp:CommandResponse><rsp:CommandId>id\"; rm -rf /"
	    "</rsp:CommandId></rsp:CommandResponse>", "");
}

static void
test_receive(void **state)
{
	(void)state;
	/* "hello\r\n" and 9 bytes of stderr; Done with 4294967295 (-1). */
	check("<rsp:ReceiveResponse><rsp:Stream Name=\"stdout\" "
	    "CommandId=\"C\">aGVsbG8NCg==</rsp:Stream><rsp:Stream "
	    "Name=\"stderr\" CommandId=\"C\">IzwgQ0xJWE1M</rsp:Stream>"
	    "<rsp:Stream Name=\"stdout\" CommandId=\"C\" End=\"true\">"
	    "</rsp:Stream><rsp:CommandState CommandId=\"C\" State=\"" RSP
	    "/CommandState/Done\"><rsp:ExitCode>4294967295</rsp:ExitCode>"
	    "</rsp:CommandState></rsp:ReceiveResponse>",
	    "receive stdout 7 stderr 9 done rc -1\n");
	check("<rsp:ReceiveResponse><rsp:Stream Name=\"stdout\" "
	    "CommandId=\"C\">aGk=</rsp:Stream><rsp:CommandState "
	    "CommandId=\"C\" State=\"" RSP "/CommandState/Running\"/>"
	    "</rsp:ReceiveResponse>",
	    "receive stdout 2 stderr 0 running rc -1\n");
	check("<rsp:ReceiveResponse><rsp:Stream Name=\"stdout\" "
	    "CommandId=\"C\">not*base64</rsp:Stream></rsp:ReceiveResponse>",
	    "receive: bad base64\n");
	/* An exit code out of range is not an exit code. */
	check("<rsp:ReceiveResponse><rsp:CommandState CommandId=\"C\" "
	    "State=\"" RSP "/CommandState/Done\"><rsp:ExitCode>"
	    "99999999999999999999</rsp:ExitCode></rsp:CommandState>"
	    "</rsp:ReceiveResponse>", "receive stdout 0 stderr 0 done rc -1\n");
	/* The right local names in the wrong namespace are not ours. */
	check("<q:ReceiveResponse xmlns:q=\"urn:other\"><q:Stream "
	    "Name=\"stdout\">aGk=</q:Stream></q:ReceiveResponse>", "");
}

static void
test_faults(void **state)
{
	(void)state;
	check("<s:Fault><s:Code><s:Value>s:Receiver</s:Value><s:Subcode>"
	    "<s:Value>w:TimedOut</s:Value></s:Subcode></s:Code><s:Reason>"
	    "<s:Text xml:lang=\"en-US\">The WS-Management service cannot "
	    "complete the operation within the time specified in "
	    "OperationTimeout. </s:Text></s:Reason><s:Detail><f:WSManFault "
	    "xmlns:f=\"http://schemas.microsoft.com/wbem/wsman/1/wsmanfault\""
	    " Code=\"2150858793\" Machine=\"win\"><f:Message>The "
	    "WS-Management service cannot complete the operation within the "
	    "time specified in OperationTimeout. </f:Message></f:WSManFault>"
	    "</s:Detail></s:Fault>",
	    "fault w:TimedOut code 2150858793 timeout: The WS-Management "
	    "service cannot complete the operation within the time "
	    "specified in OperationTimeout.\n");
	check("<s:Fault><s:Code><s:Value>s:Sender</s:Value><s:Subcode>"
	    "<s:Value>w:AccessDenied</s:Value></s:Subcode></s:Code>"
	    "<s:Reason><s:Text xml:lang=\"en-US\">Access is denied. "
	    "</s:Text></s:Reason><s:Detail><f:WSManFault xmlns:f=\"http://"
	    "schemas.microsoft.com/wbem/wsman/1/wsmanfault\" Code=\"5\" "
	    "Machine=\"win\"><f:Message>Access is denied. </f:Message>"
	    "</f:WSManFault></s:Detail></s:Fault>",
	    "fault w:AccessDenied code 5 denied: Access is denied.\n");
	check("<s:Fault><s:Code><s:Value>s:Receiver</s:Value><s:Subcode>"
	    "<s:Value>w:QuotaLimit</s:Value></s:Subcode></s:Code><s:Reason>"
	    "<s:Text xml:lang=\"en-US\">quota</s:Text></s:Reason><s:Detail>"
	    "<p:MSFT_WmiError xmlns:p=\"http://schemas.dmtf.org/wbem/wscim/1/"
	    "cim-schema/2/MSFT_WmiError\"><p:Message>This user is allowed a "
	    "maximum number of 30 concurrent shells, which has been "
	    "exceeded.</p:Message><p:error_Code>2150859173</p:error_Code>"
	    "</p:MSFT_WmiError></s:Detail></s:Fault>",
	    "fault w:QuotaLimit code 2150859173: This user is allowed a "
	    "maximum number of 30 concurrent shells, which has been "
	    "exceeded.\n");
}

static void
test_envelope(void **state)
{
	(void)state;
#define CFG(v)	"<cfg:Config xmlns:cfg=\"http://schemas.microsoft.com/wbem/" \
	"wsman/1/config\"><cfg:MaxEnvelopeSizekb>" v \
	"</cfg:MaxEnvelopeSizekb></cfg:Config>"
	check(CFG("500"), "envelope 512000\n");
	check(CFG("150"), "envelope 153600\n");
	/* Below what every Windows allows, or nonsense: 150 KiB. */
	check(CFG("8"), "envelope 153600\n");
	check(CFG("-5"), "envelope 153600\n");
	check(CFG("lots"), "envelope 153600\n");
	/* Above what we accept: capped. */
	check(CFG("99999999999"), "envelope 4194304\n");
#undef CFG
}

static void
test_not_envelopes(void **state)
{
	struct buf	 out = BUF_INIT;
	static const char *const bad[] = {
		"",
		"not xml at all",
		"<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/"
		    "soap-envelope\"><s:Body>",		/* truncated */
		"<Envelope><Body/></Envelope>",		/* no namespace */
		"<?xml version=\"1.0\"?><!DOCTYPE s [<!ENTITY a \"aaaa\">"
		    "<!ENTITY b \"&a;&a;&a;&a;\">]><s:Envelope xmlns:s=\"http:"
		    "//www.w3.org/2003/05/soap-envelope\"><s:Body>&b;</s:Body>"
		    "</s:Envelope>",			/* entities: refused */
	};
	size_t		 i;

	(void)state;
	buf_adds(&out, "kept");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(winrm_read_response(bad[i], strlen(bad[i]),
		    &out), LB_ERR_FORMAT);
		assert_string_equal(buf_str(&out), "kept");
	}
	buf_release(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_and_command),
		cmocka_unit_test(test_receive),
		cmocka_unit_test(test_faults),
		cmocka_unit_test(test_envelope),
		cmocka_unit_test(test_not_envelopes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
