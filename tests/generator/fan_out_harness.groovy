// Runs the body of a fan-out `script {}` block with the Jenkins steps it uses replaced
// by stand-ins, and prints what happened, one event a line:
//   args: SCRIPT_FILE ONLINE_AGENTS(comma separated) FAILING_AGENTS(comma separated)
// `parallel` runs every branch to its end, then fails with the first failure, as the
// Jenkins step does without failFast; `sh` fails on the failing agents.
def online = args[1] ? args[1].split(',') as List : []
def failing = args[2] ? args[2].split(',') as List : []
def current = null
def binding = new Binding()
binding.setVariable('nodesByLabel', { Map m ->
    assert m.offline == false
    println "LIST ${m.label}"
    new ArrayList(online)
})
binding.setVariable('node', { String name, Closure body ->
    current = name
    try { body() } finally { current = null }
})
binding.setVariable('git', { Map m -> println "GIT ${current} ${m.url}" })
binding.setVariable('withEnv', { List env, Closure body -> body() })
binding.setVariable('withCredentials', { List bindings, Closure body -> body() })
binding.setVariable('string', { Map m -> m })
binding.setVariable('usernamePassword', { Map m -> m })
binding.setVariable('sh', { Map m ->
    println "SH ${current} ${m.script}"
    if (failing.contains(current)) {
        throw new RuntimeException("script returned exit code 1 on ${current}")
    }
})
binding.setVariable('echo', { String text -> println "ECHO ${text}" })
binding.setVariable('error', { String text -> throw new RuntimeException("ERROR ${text}") })
binding.setVariable('parallel', { Map branches ->
    def first = null
    branches.each { name, body ->
        try { body() } catch (e) { if (first == null) { first = e } }
    }
    if (first != null) { throw first }
})
try {
    new GroovyShell(binding).evaluate(new File(args[0]).getText('UTF-8'))
    println 'RESULT success'
} catch (e) {
    println "RESULT failure: ${e.message}"
}
