// Runs a whole generated pipeline file under Groovy 2.4 with the Declarative directives
// and the Jenkins steps it uses replaced by stand-ins, and prints what happened, one
// event a line. Not Jenkins: it follows the order ModelInterpreter.evaluateStage gives
// (when before options before agent, then steps), runs `parallel` branches one after
// the other to their end and then fails with the first failure (the step without
// failFast), and keeps one workspace per allocated agent, so a file only exists where it
// was written or unstashed.
//   args: PIPELINE_FILE ONLINE_AGENTS(comma separated) FAILING(comma separated stage or agent names)
//         [CAUSES(comma separated cause classes of the build)]
// Events: STAGE name | WHEN name skipped | LOCK r | ALLOCATE label | NODE name |
//   TIMEOUT seconds | LIST label | GIT where url | WITHENV where a=b,c= | SH where script |
//   STASH where name includes | UNSTASH where name | ECHO text | RESULT ...
// The pipeline's own `post` runs after RESULT (its events prefixed `POST `): `always`,
// on the agent `node` allocates, with `currentBuild.currentResult` as the body left it.
// A stage's `post { failure }` runs on the stage's agent when its steps failed
// (ModelInterpreter.executeSingleStage). A failing `sh` with `--record FILE` leaves
// FILE (`{"stage": ...}`) in that workspace, as the wrapper does; `readFile` reads it.
def online = args[1] ? args[1].split(',') as List : []
def failing = args[2] ? args[2].split(',') as List : []
def causes = args.length > 3 && args[3] ? args[3].split(',') as List : []
// the completed builds before this one, nearest first: their results
def previousResults = args.length > 4 && args[4] ? args[4].split(',') as List : []
def state = [where: null, stage: null, result: null, stashes: [:], skipNext: false,
             inPost: false, files: [:], pipeline: null]
def b = new Binding()
def say = { String text -> println((state.inPost ? 'POST ' : '') + text) }

def build = new Expando()
build.result = null
build.previousBuildInProgress = null
build.currentResult = 'SUCCESS'
build.startTimeInMillis = 1700000000000L
build.previousCompletedBuild = null
def older = build
previousResults.each { String result ->  // RunWrapper: each a wrapper of its own
    def run = new Expando()
    run.result = result
    run.previousCompletedBuild = null
    older.previousCompletedBuild = run
    older = run
}
build.getBuildCauses = { String cls = null ->
    def all = causes.collect { [_class: it] }
    cls == null ? all : all.findAll { it._class == cls }
}
b.setVariable('currentBuild', build)
b.setVariable('none', 'none')
b.setVariable('any', 'any')

def collecting = null  // the directives of the stage being read
// Declarative reads the whole `pipeline {}` first, then runs its stages, then its post.
b.setVariable('pipeline', { Closure body ->
    collecting = [:]
    body()
    state.pipeline = collecting
    collecting = null
})
b.setVariable('agent', { arg ->
    if (arg instanceof Closure) {
        def saved = b.getVariable('label')
        def picked = null
        b.setVariable('label', { String l -> picked = l })
        arg()
        b.setVariable('label', saved)
        if (collecting != null) { collecting.agent = picked }
    } else if (collecting != null) {
        collecting.agent = arg
    }
})
b.setVariable('label', { String l -> l })
['when', 'options', 'steps'].each { word ->
    b.setVariable(word, { Closure body -> collecting[word] = body })
}
b.setVariable('post', { Closure body -> collecting.post = body })
def conditions = { Closure post ->
    def found = [:]
    def saved = ['always', 'failure'].collectEntries { [it, b.getVariables()[it]] }
    ['always', 'failure'].each { c -> b.setVariable(c, { Closure body -> found[c] = body }) }
    post()
    saved.each { k, v -> b.setVariable(k, v) }
    found
}
b.setVariable('failFast', { boolean v -> collecting.failFast = v })
def runStages
b.setVariable('stages', { Closure body ->
    if (collecting != null) { collecting.stages = body } else { runStages(body) }
})
b.setVariable('parallel', { arg ->
    if (arg instanceof Closure) { collecting.parallel = arg; return }
    def first = null
    arg.each { name, branch ->
        try { branch() } catch (e) { if (first == null) { first = e } }
    }
    if (first != null) { throw first }
})
def runStage = { String name, Closure body ->
    def outer = collecting
    collecting = [:]
    body()
    def d = collecting
    collecting = outer
    say "STAGE ${name}"
    if (d.when != null) {
        def passed = true
        def savedVars = ['beforeAgent', 'beforeOptions', 'expression'].collectEntries { [it, b.getVariables()[it]] }
        b.setVariable('beforeAgent', { v -> })
        b.setVariable('beforeOptions', { v -> })
        b.setVariable('expression', { Closure c -> passed = passed && c() })
        d.when()
        savedVars.each { k, v -> b.setVariable(k, v) }
        if (!passed) { say "WHEN ${name} skipped"; return }
    }
    def lockName = null
    if (d.options != null) {
        def saved = b.getVariables()['lock']
        b.setVariable('lock', { Map m -> lockName = m.resource })
        d.options()
        b.setVariable('lock', saved)
    }
    if (lockName != null) { say "LOCK ${lockName}" }
    def previous = [where: state.where, stage: state.stage]
    state.stage = name
    if (d.agent != null && d.agent != 'none') {
        def agentName = (online ? online[0] : 'any') + '#' + name
        say "ALLOCATE ${d.agent}"
        state.where = agentName
    }
    try {
        if (d.stages != null) { runStages(d.stages) }
        else if (d.parallel != null) {
            def branches = [:]
            def saved = collecting
            collecting = [:]
            def savedStage = b.getVariable('stage')
            def order = []
            b.setVariable('stage', { String n, Closure c -> order << [n, c] })
            d.parallel()
            b.setVariable('stage', savedStage)
            collecting = saved
            order.each { pair -> branches[pair[0]] = { savedStage(pair[0], pair[1]) } }
            b.getVariable('parallel')(branches)
        }
        else if (d.steps != null) {
            try {
                d.steps()
            } catch (e) {
                def failure = d.post != null ? conditions(d.post).failure : null
                if (failure != null) { failure() }
                throw e
            }
        }
    } finally {
        state.where = previous.where
        state.stage = previous.stage
    }
}
b.setVariable('stage', runStage)
runStages = { Closure body -> body() }

// Steps
b.setVariable('script', { Closure body -> body() })
b.setVariable('nodesByLabel', { Map m ->
    assert m.offline == false
    say "LIST ${m.label}"
    new ArrayList(online)
})
b.setVariable('node', { Object[] a ->
    def n = a.length > 1 ? a[0] : 'any'
    Closure body = a[-1]
    def saved = state.where
    state.where = n
    say "NODE ${n}"
    try { body() } finally { state.where = saved }
})
b.setVariable('readFile', { String path ->
    def content = state.files[state.where + ':' + path]
    if (content == null) { throw new RuntimeException("no file ${path} on ${state.where}") }
    content
})
b.setVariable('timeout', { Map m, Closure body ->
    assert m.unit == 'SECONDS'
    say "TIMEOUT ${state.where} ${m.time}"
    body()
})
b.setVariable('git', { Map m -> say "GIT ${state.where} ${m.url}" })
b.setVariable('withEnv', { List env, Closure body ->
    say "WITHENV ${state.where} ${env.join(',')}"
    body()
})
b.setVariable('withCredentials', { List bindings, Closure body -> body() })
b.setVariable('string', { Map m -> m })
b.setVariable('usernamePassword', { Map m -> m })
b.setVariable('sh', { Map m ->
    say "SH ${state.where} ${m.script}"
    if (failing.contains(state.where) || failing.contains(state.stage)) {
        def record = (m.script =~ /--record (\S+)/)
        if (record.find()) {
            state.files[state.where + ':' + record.group(1)] = '{"stage": "' + state.stage + '"}'
        }
        throw new RuntimeException("script returned exit code 1 on ${state.where}")
    }
})
b.setVariable('stash', { Map m ->
    say "STASH ${state.where} ${m.name} ${m.includes} allowEmpty=${m.allowEmpty}"
    state.stashes[m.name] = true
})
b.setVariable('unstash', { String n ->
    if (!state.stashes.containsKey(n)) { throw new RuntimeException("No such saved stash ‘${n}’") }
    say "UNSTASH ${state.where} ${n}"
})
b.setVariable('echo', { String text -> say "ECHO ${text}" })
b.setVariable('error', { String text -> throw new RuntimeException("ERROR ${text}") })

try {
    def shell = new GroovyShell(b)
    def script = shell.parse(new File(args[0]).getText('UTF-8'))
    b.setVariable('jobsmithScript', script)
    try {
        script.run()
        runStages(state.pipeline.stages)
        println 'RESULT ' + (build.result == null ? 'success' : build.result)
        build.currentResult = build.result ?: 'SUCCESS'
    } catch (e) {
        println "RESULT failure: ${e.message}"
        build.currentResult = 'FAILURE'
    }
    if (state.pipeline?.post != null) {
        state.inPost = true
        def always = conditions(state.pipeline.post).always
        if (always != null) { always() }
    }
} catch (e) {
    println "POST failure: ${e.message}"
}
