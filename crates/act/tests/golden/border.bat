@REM wormscope rules --defense border --format netsh
@REM W32/Blaster (MSBlast, Lovsan) defense after CERT Advisory CA-2003-20
@REM (2003-08-11) and Microsoft Security Bulletin MS03-026.
@REM
@REM Defense: border filtering at a network border router (wormscope `border`).
@REM Drops traffic to 69/udp, 135/tcp, 135/udp, 139/tcp, 139/udp, 445/tcp,
@REM 445/udp and 4444/tcp, inbound and outbound, per CERT CA-2003-20,
@REM "Filter network traffic": "Sites should consider blocking both inbound
@REM and outbound traffic to these ports".
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

REM CERT CA-2003-20 filter list: drop inbound 69/udp (TFTP, the worm fetches msblast.exe)
netsh advfirewall firewall add rule name="wormscope border in 69/udp" dir=in action=block protocol=UDP localport=69 profile=any

REM CERT CA-2003-20 filter list: drop inbound 135/tcp (DCOM RPC, the MS03-026 exploit)
netsh advfirewall firewall add rule name="wormscope border in 135/tcp" dir=in action=block protocol=TCP localport=135 profile=any

REM CERT CA-2003-20 filter list: drop inbound 135/udp (RPC endpoint mapper)
netsh advfirewall firewall add rule name="wormscope border in 135/udp" dir=in action=block protocol=UDP localport=135 profile=any

REM CERT CA-2003-20 filter list: drop inbound 139/tcp (NetBIOS, also an attack vector)
netsh advfirewall firewall add rule name="wormscope border in 139/tcp" dir=in action=block protocol=TCP localport=139 profile=any

REM CERT CA-2003-20 filter list: drop inbound 139/udp (NetBIOS, also an attack vector)
netsh advfirewall firewall add rule name="wormscope border in 139/udp" dir=in action=block protocol=UDP localport=139 profile=any

REM CERT CA-2003-20 filter list: drop inbound 445/tcp (SMB, also an attack vector)
netsh advfirewall firewall add rule name="wormscope border in 445/tcp" dir=in action=block protocol=TCP localport=445 profile=any

REM CERT CA-2003-20 filter list: drop inbound 445/udp (SMB, also an attack vector)
netsh advfirewall firewall add rule name="wormscope border in 445/udp" dir=in action=block protocol=UDP localport=445 profile=any

REM CERT CA-2003-20 filter list: drop inbound 4444/tcp (the worm's remote shell)
netsh advfirewall firewall add rule name="wormscope border in 4444/tcp" dir=in action=block protocol=TCP localport=4444 profile=any

REM CERT CA-2003-20 filter list: drop outbound 69/udp (TFTP, the worm fetches msblast.exe)
netsh advfirewall firewall add rule name="wormscope border out 69/udp" dir=out action=block protocol=UDP remoteport=69 profile=any

REM CERT CA-2003-20 filter list: drop outbound 135/tcp (DCOM RPC, the MS03-026 exploit)
netsh advfirewall firewall add rule name="wormscope border out 135/tcp" dir=out action=block protocol=TCP remoteport=135 profile=any

REM CERT CA-2003-20 filter list: drop outbound 135/udp (RPC endpoint mapper)
netsh advfirewall firewall add rule name="wormscope border out 135/udp" dir=out action=block protocol=UDP remoteport=135 profile=any

REM CERT CA-2003-20 filter list: drop outbound 139/tcp (NetBIOS, also an attack vector)
netsh advfirewall firewall add rule name="wormscope border out 139/tcp" dir=out action=block protocol=TCP remoteport=139 profile=any

REM CERT CA-2003-20 filter list: drop outbound 139/udp (NetBIOS, also an attack vector)
netsh advfirewall firewall add rule name="wormscope border out 139/udp" dir=out action=block protocol=UDP remoteport=139 profile=any

REM CERT CA-2003-20 filter list: drop outbound 445/tcp (SMB, also an attack vector)
netsh advfirewall firewall add rule name="wormscope border out 445/tcp" dir=out action=block protocol=TCP remoteport=445 profile=any

REM CERT CA-2003-20 filter list: drop outbound 445/udp (SMB, also an attack vector)
netsh advfirewall firewall add rule name="wormscope border out 445/udp" dir=out action=block protocol=UDP remoteport=445 profile=any

REM CERT CA-2003-20 filter list: drop outbound 4444/tcp (the worm's remote shell)
netsh advfirewall firewall add rule name="wormscope border out 4444/tcp" dir=out action=block protocol=TCP remoteport=4444 profile=any
