@REM wormscope rules --defense isp --format netsh
@REM W32/Blaster (MSBlast, Lovsan) defense after CERT Advisory CA-2003-20
@REM (2003-08-11) and Microsoft Security Bulletin MS03-026.
@REM
@REM Defense: ISP filtering at the provider's edge router (wormscope `isp`).
@REM Drops traffic to 135/tcp, to and from the customers.
@REM News report of 12 Aug 2003: "ISPs blocked port 135, which the worm used
@REM for propagation"; some ISPs also blocked 4444/tcp and 69/udp.
@REM The hole: Microsoft Security Bulletin MS03-026 (DCOM RPC, CVE-2003-0352).
@REM Filtering mitigates; it does not replace installing the MS03-026 patch.
@REM
@REM A Windows batch file: run it from an elevated command prompt. It adds
@REM block rules to the Windows Firewall of the machine it runs on (netsh
@REM advfirewall, Windows Vista and later; on XP SP2 the older `netsh firewall`
@REM or the Internet Connection Firewall plays this part). Remove the rules
@REM with: netsh advfirewall firewall delete rule name=NAME
@REM
@REM These are the network rules applied at the host level, as the advisory
@REM allows ("at the host and network level"): inbound means to this host's
@REM port, outbound from this host to that port elsewhere.
@echo off

REM ISPs blocked 135, 12 Aug 2003: drop inbound 135/tcp (DCOM RPC, the MS03-026 exploit)
netsh advfirewall firewall add rule name="wormscope isp in 135/tcp" dir=in action=block protocol=TCP localport=135 profile=any

REM ISPs blocked 135, 12 Aug 2003: drop outbound 135/tcp (DCOM RPC, the MS03-026 exploit)
netsh advfirewall firewall add rule name="wormscope isp out 135/tcp" dir=out action=block protocol=TCP remoteport=135 profile=any
