// Process set-up that probing needs: network namespaces and privileges. Linux only.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "model/result.h"

namespace colotrace::net {

// Moves the calling thread into network namespace `name` (/run/netns/NAME, as `ip netns`
// names it). Needs CAP_SYS_ADMIN. Sockets the thread opens afterwards live in that namespace.
model::Status EnterNetns(const std::string& name);

// Runs `fn` on a new thread that first enters namespace `name` (nothing if empty), and waits
// for it. The caller's own thread stays where it is.
model::Status RunInNetns(const std::string& name, const std::function<void()>& fn);

// Names the calling thread (at most 15 characters), as `top -H` and /proc/PID/task/TID/comm
// show it: colotrace's threads are "ct-engine", "ct-http", "ct-dns", "ct-timer", ...
void NameThisThread(const char* name);

// Clears every capability of the calling thread (effective, permitted, inheritable, ambient).
model::Status DropThreadCapabilities();

// For threads that need no privilege, at their start: in a process that is not root (running
// with file capabilities, say) clears the calling thread's capabilities. A root process keeps
// them until DropPrivileges switches users (glibc changes the ids of every thread at once, and
// a thread without CAP_SETUID would make that fail).
void DropThreadCapabilitiesUnlessRoot();

// Gives up privileges once sockets are open: as root, the whole process becomes `user`
// (supplementary groups dropped, gid and uid of that user; the kernel then clears every
// capability of every thread); otherwise the calling thread's capabilities are cleared. Also
// sets no_new_privs.
model::Status DropPrivileges(const std::string& user = "nobody");

// Tells the service manager (systemd with Type=notify) the process's state: "READY=1" once it
// serves, "STOPPING=1" when it begins to stop. Nothing happens without $NOTIFY_SOCKET (not
// started by systemd); an error when the socket is named but the message cannot be sent.
model::Status NotifyServiceManager(std::string_view state);

}  // namespace colotrace::net
