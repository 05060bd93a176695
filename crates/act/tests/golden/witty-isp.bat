@REM wormscope rules --scenario witty --defense isp --format netsh
@REM
@REM Defense: ISP filtering at the provider's edge router (wormscope `isp`), as
@REM the [defenses.isp_filter] section of scenario witty describes it.
@REM Worm: Witty, 20 March 2004: a hit list, then one UDP datagram from port 4000
@REM to random addresses
@REM Drops inbound traffic from source port 4000/udp.
@REM Drops outbound traffic from source port 4000/udp.
@REM Source (the scenario's): a what-if: no source reports ISPs filtering the
@REM worm's datagrams during its 75 minutes
@REM Filtering mitigates; it does not replace patching the vulnerable service.
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

REM witty isp_filter: drop inbound from source port 4000/udp (the worm's own port)
netsh advfirewall firewall add rule name="wormscope witty_isp in 4000/udp" dir=in action=block protocol=UDP remoteport=4000 profile=any

REM witty isp_filter: drop outbound from source port 4000/udp (the worm's own port)
netsh advfirewall firewall add rule name="wormscope witty_isp out 4000/udp" dir=out action=block protocol=UDP localport=4000 profile=any
