@REM wormscope rules --defense host --format netsh
@REM W32/Blaster (MSBlast, Lovsan) defense after CERT Advisory CA-2003-20
@REM (2003-08-11) and Microsoft Security Bulletin MS03-026.
@REM
@REM Defense: a host-level packet filter on one Windows host (wormscope `host`).
@REM Drops incoming connections to 135/tcp, per CERT CA-2003-20, Solutions,
@REM step 4: "another host-level packet filtering program to block incoming
@REM connections for 135/tcp".
@REM The hole: Microsoft Security Bulletin MS03-026 (DCOM RPC, CVE-2003-0352).
@REM Filtering mitigates; it does not replace installing the MS03-026 patch.
@REM
@REM A Windows batch file: run it from an elevated command prompt. It adds
@REM block rules to the Windows Firewall of the machine it runs on (netsh
@REM advfirewall, Windows Vista and later; on XP SP2 the older `netsh firewall`
@REM or the Internet Connection Firewall plays this part). Remove the rules
@REM with: netsh advfirewall firewall delete rule name=NAME
@echo off

REM CERT CA-2003-20 step 4: drop inbound 135/tcp (DCOM RPC, the MS03-026 exploit)
netsh advfirewall firewall add rule name="wormscope host in 135/tcp" dir=in action=block protocol=TCP localport=135 profile=any
